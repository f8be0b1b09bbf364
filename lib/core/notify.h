/*
 * The service manager's readiness protocol (sd_notify), without libsystemd:
 * one datagram of "NAME=value" lines to the unix socket $NOTIFY_SOCKET names.
 * With no $NOTIFY_SOCKET (not started by systemd with Type=notify) it does
 * nothing.
 */
#ifndef PT_NOTIFY_H
#define PT_NOTIFY_H

#include <stdbool.h>

#include "core/util.h"

/*
 * Sends state (e.g. "READY=1") to $NOTIFY_SOCKET. True when sent or when
 * there is nobody to tell; false (errno set) when the send failed.
 */
bool notify_send(const char *state) PT_WARN_UNUSED;

#endif

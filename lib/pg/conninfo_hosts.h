/*
 * One libpq connection string naming several servers, taken apart into one
 * connection string per server: --replica-url lists several replicas the way
 * libpq lists several hosts (host=a,b port=p,q, or postgresql://a:p,b:q/db),
 * but each is a server of its own, not an alternative to try in turn.
 */
#ifndef PT_CONNINFO_HOSTS_H
#define PT_CONNINFO_HOSTS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/util.h"

/* The most servers one string may name. */
#define CONNINFO_HOSTS_MAX 16

struct conninfo_host {
	char *conninfo; /* every setting of the whole string, with this server's host and port */
	char *label;    /* "host:port" (or "hostaddr:port"); never the password */
};

/*
 * Splits conninfo into *n servers (1 when it names one host or none, and
 * then conninfo is kept as given). The host, hostaddr and port lists are
 * split on commas, as libpq splits them; a single port applies to all.
 * Returns false with err when libpq cannot parse it, the lists' lengths
 * differ, or it names more than CONNINFO_HOSTS_MAX. The caller frees *out
 * with conninfo_hosts_free.
 */
bool conninfo_hosts_split(const char *conninfo, struct conninfo_host **out, size_t *n, char *err,
                          size_t errlen) PT_WARN_UNUSED;
void conninfo_hosts_free(struct conninfo_host *hosts, size_t n);

#endif

/*
 * Structured logging: one JSON object per line on stderr, so that log shippers
 * need no parser of ours. Fields are added to a cJSON object the caller builds.
 */
#ifndef PT_LOG_H
#define PT_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"

struct cJSON;
struct event_base;

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Parses "debug", "info", "warn" or "error". */
bool log_level_parse(const char *name, enum log_level *out) PT_WARN_UNUSED;
void log_set_level(enum log_level level);
bool log_enabled(enum log_level level);

/* Writes msg with the fields of `fields` (may be NULL); takes ownership of fields. */
void log_emit(enum log_level level, const char *msg, struct cJSON *fields);

/* One answered request, for the access log. */
struct log_access {
	const char *request_id, *method, *path, *route;
	int status;
	uint64_t duration_ns;
	const char *user; /* NULL when the caller is anonymous */
};

/*
 * The access-log line (msg "request"), written without cJSON: it runs for
 * every request, and cJSON's number printing alone (sprintf then sscanf to
 * check the round trip) costs more than answering a cached request.
 */
void log_request(const struct log_access *a);

/*
 * Once attached to a loop, access-log lines are gathered and written with one
 * system call at the end of each loop iteration (or every 64 KiB) instead of
 * one per request. Other messages flush what is gathered first, so the order
 * of lines is kept. Detaching writes what is left.
 */
void log_attach_loop(struct event_base *base);
void log_detach_loop(void);

/* Convenience: a message with one free-text "detail" field. */
void log_msg(enum log_level level, const char *msg, const char *fmt, ...) PT_PRINTF(3, 4);

/*
 * Sends libevent's own messages through this log as JSON lines, at most 20 a
 * second, so that a storm of identical warnings cannot flood the output.
 */
void log_capture_libevent(void);

#endif

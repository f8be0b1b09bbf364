/*
 * Per-connection protection in front of evhttp: every byte a client sends runs
 * through the framing checker (http_framing.h) before evhttp parses it; a
 * request must arrive whole within the read deadline of its first byte; and
 * connections beyond the cap are answered 503 and closed. Refusals are written
 * straight to the socket as problem+json with Connection: close, since evhttp
 * would otherwise answer them in HTML or not at all.
 *
 * Ownership: the tracker owns one guard per connection. evhttp owns the
 * bufferevent; a guard learns of its connection's end through evhttp's close
 * callback, which is where it is freed.
 */
#ifndef PT_HTTP_CONN_H
#define PT_HTTP_CONN_H

#include <stdint.h>

struct event_base;
struct bufferevent;
struct metrics;
struct conn_tracker;

struct conn_limits {
	uint64_t max_head_bytes;
	uint64_t max_body_bytes;
	long read_timeout_ms;
	long max_connections;
};

struct conn_tracker *conn_tracker_new(struct event_base *base, const struct conn_limits *limits,
                                      struct metrics *metrics);

/* Call after evhttp_free: frees guards whose connections evhttp freed without telling. */
void conn_tracker_free(struct conn_tracker *t);

/* evhttp's bufferevent callback (evhttp_set_bevcb); arg is the tracker. */
struct bufferevent *conn_tracker_new_bufferevent(struct event_base *base, void *arg);

long conn_tracker_open(const struct conn_tracker *t);

/* Connections whose answers are not yet all written to their sockets. */
long conn_tracker_unflushed(const struct conn_tracker *t);

/* Writes a fresh 32-hex-digit request id into out (at least 33 bytes). */
void request_id_generate(char *out);

#endif

/*
 * Per-connection protection in front of evhttp: every byte a client sends runs
 * through the framing checker (http_framing.h) before evhttp parses it; a
 * new connection must begin its first request within the first-byte deadline
 * (else it is closed without an answer); a request must arrive whole within
 * the read deadline of its first byte; and
 * connections beyond the cap are answered 503 and closed. A body may be up to
 * max_body_bytes, or up to max_upload_bytes on a route that takes files
 * (ACCESS_UPLOAD), of which at most max_uploads are received at once; an
 * upload's deadline moves on while its bytes keep coming. Refusals are written
 * straight to the socket as problem+json with Connection: close, since evhttp
 * would otherwise answer them in HTML or not at all.
 *
 * Ownership: the tracker owns one guard per connection. evhttp owns the
 * bufferevent; a guard learns of its connection's end through evhttp's close
 * callback, which is where it is freed.
 */
#ifndef PT_HTTP_CONN_H
#define PT_HTTP_CONN_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct bufferevent;
struct metrics;
struct conn_tracker;
struct route;

struct conn_limits {
	uint64_t max_head_bytes;
	uint64_t max_body_bytes;
	uint64_t max_upload_bytes; /* for the routes with ACCESS_UPLOAD */
	long max_uploads;          /* bodies above max_body_bytes received at once */
	long read_timeout_ms;
	long first_byte_timeout_ms; /* a connection's first request must begin by then */
	long max_connections;
	const struct route *routes; /* the routing table, to find the upload routes */
	size_t nroutes;
};

struct conn_tracker *conn_tracker_new(struct event_base *base, const struct conn_limits *limits,
                                      struct metrics *metrics);

/* Call after evhttp_free: frees guards whose connections evhttp freed without telling. */
void conn_tracker_free(struct conn_tracker *t);

/* evhttp's bufferevent callback (evhttp_set_bevcb); arg is the tracker. */
struct bufferevent *conn_tracker_new_bufferevent(struct event_base *base, void *arg);

long conn_tracker_open(const struct conn_tracker *t);

/*
 * A request on an upload route, received on bev's connection, is answered:
 * the upload's place among max_uploads is free again (its body goes with the
 * answer). A connection that closes frees its places itself.
 */
void conn_tracker_upload_done(struct conn_tracker *t, struct bufferevent *bev);

/* Bodies above max_body_bytes being received or handled now. */
long conn_tracker_uploads(const struct conn_tracker *t);

/* Connections whose answers are not yet all written to their sockets. */
long conn_tracker_unflushed(const struct conn_tracker *t);

/* Writes a fresh 32-hex-digit request id into out (at least 33 bytes). */
void request_id_generate(char *out);

#endif

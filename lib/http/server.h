/*
 * The HTTP front: evhttp on the app's loop, routing through the route table,
 * one context per request (request id, timing, route parameters), the access
 * log and request metrics, reply helpers that always set the same headers, and
 * graceful shutdown.
 *
 * Ownership: a struct http_ctx is created when a request is routed and freed
 * by the reply helper that answers it; a handler must call exactly one
 * http_reply_* per request, now or from a later callback.
 */
#ifndef PT_HTTP_SERVER_H
#define PT_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "core/roles.h"
#include "core/util.h"
#include "http/router.h"
#include "pg/db.h"

struct app;
struct cJSON;
struct evbuffer;
struct evhttp_request;
struct http_server;

struct http_server_limits {
	uint64_t max_body_bytes;
	uint64_t max_upload_bytes; /* the body limit of ACCESS_UPLOAD routes */
	long max_uploads;          /* such bodies above max_body_bytes received at once */
	uint64_t max_header_bytes;
	long read_timeout_ms;
	long first_byte_timeout_ms;
	long idle_timeout_s;
	long max_connections;
};

/* Connections the operations port (--ops-listen) holds at once: probes and scrapers. */
#define HTTP_OPS_MAX_CONNECTIONS 64

struct http_ctx;
typedef void (*http_db_fn)(struct http_ctx *ctx, const struct db_result *result);

struct http_ctx {
	TAILQ_ENTRY(http_ctx) link;
	struct http_server *srv;
	struct app *app;
	struct evhttp_request *req;
	enum http_method method;
	int route_index; /* -1 when no route matched */
	struct route_match match;
	const char *path; /* decoded request path, without the query */
	char request_id[65];
	uint64_t start_ns;
	struct db_query *query; /* in flight, if any */
	http_db_fn query_done;
	struct caller caller;         /* set by authentication on non-public routes */
	struct db_pool *replica_pool; /* set when the handler's reads may go to the replica */
	char token_hash[TOKEN_HASH_HEX];
	bool via_cookie; /* authenticated by the console's session cookie, not a bearer token */
	uint64_t token_generation; /* the token cache's, when the lookup was sent */
	void *state;               /* a handler's own, freed with ctx by state_free */
	void (*state_free)(void *state);
};

/*
 * dispatch is called for every request that matched a route (ctx->match set):
 * the layer above authenticates it and calls the route's handler.
 */
struct http_server *http_server_new(struct app *app, const struct route *routes, size_t nroutes,
                                    const struct http_server_limits *limits,
                                    route_handler dispatch);
void http_server_free(struct http_server *srv);

/* Binds "HOST:PORT"; writes the URL actually served (port 0 resolved) into url. */
bool http_server_listen(struct http_server *srv, const char *listen, char *url,
                        size_t urllen) PT_WARN_UNUSED;

/*
 * Binds the operations port: the routes with ACCESS_OPS only (others 404),
 * with HTTP_OPS_MAX_CONNECTIONS slots of its own. Optional.
 */
bool http_server_listen_ops(struct http_server *srv, const char *listen, char *url,
                            size_t urllen) PT_WARN_UNUSED;

/*
 * Stops accepting connections (both ports) and calls done once every request in flight has
 * been answered, or after timeout_ms, when the rest are answered 503.
 */
void http_server_shutdown(struct http_server *srv, long timeout_ms, void (*done)(void *),
                          void *arg);

long http_server_connections(const struct http_server *srv);
/* The routing table the server was made with. */
const struct route *http_server_routes(const struct http_server *srv, size_t *count);
long http_server_in_flight(const struct http_server *srv);
/* Bodies above max_body_bytes being received or handled (at most max_uploads). */
long http_server_uploads(const struct http_server *srv);

/* Replies. Each answers the request and frees ctx. */
void http_reply_json(struct http_ctx *ctx, int status, struct cJSON *body);
void http_reply_buffer(struct http_ctx *ctx, int status, const char *content_type,
                       struct evbuffer *body);
void http_reply_problem(struct http_ctx *ctx, int status, const char *slug, const char *title,
                        const char *detail, struct cJSON *errors);
/* The same with extension members (e.g. the documents a code is ambiguous between); takes extra. */
void http_reply_problem_extra(struct http_ctx *ctx, int status, const char *slug, const char *title,
                              const char *detail, struct cJSON *errors, struct cJSON *extra);
/* 409 with a machine-readable reason code (e.g. period_closed) as `reason`. */
void http_reply_conflict(struct http_ctx *ctx, const char *reason, const char *detail);

/*
 * 503 with Retry-After: retry_after_s, for a refusal that passes (overload, a
 * database not ready yet, shutdown). Every 503 the server answers is made here.
 */
void http_reply_unavailable(struct http_ctx *ctx, int retry_after_s, const char *slug,
                            const char *title, const char *detail);

/* 503 with Retry-After for a database failure, naming it in the detail. */
void http_reply_db_failure(struct http_ctx *ctx, const struct db_result *result);

/* Sets a response header on ctx's answer-to-be. */
void http_set_header(struct http_ctx *ctx, const char *name, const char *value);

/*
 * Runs a statement of sql/ for ctx (its parameter count is the statement's;
 * values are copied); done gets the result. When the pool refuses at once,
 * the request is answered 503 here and done is not called.
 */
struct sql_statement;
void http_query(struct http_ctx *ctx, const struct sql_statement *stmt, const char *const *values,
                http_db_fn done);

/*
 * http_query with a parameter sent in binary and/or binary results
 * (struct db_options, pg/db.h). The query takes opts->binary_data, also when
 * the pool refuses it.
 */
void http_query_with(struct http_ctx *ctx, const struct sql_statement *stmt,
                     const char *const *values, const struct db_options *opts, http_db_fn done);

#endif

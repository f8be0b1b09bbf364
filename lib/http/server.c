#include "http/server.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "cache/caches.h"
#include "core/app.h"
#include "core/config.h"
#include "core/log.h"
#include "http/conn.h"
#include "http/metrics.h"
#include "http/problem.h"
#include "pg/sealer.h"

TAILQ_HEAD(ctx_list, http_ctx);

/* The one server of this process, for libevent callbacks that carry no argument of ours. */
static struct http_server *http_server_current;

struct http_server {
	struct app *app;
	struct evhttp *http;
	struct evhttp_bound_socket *listener;
	struct conn_tracker *conns;
	/* The operations port (--ops-listen): its own evhttp, slots and routes (ACCESS_OPS). */
	struct evhttp *ops_http;
	struct evhttp_bound_socket *ops_listener;
	struct conn_tracker *ops_conns;
	const struct route *routes;
	size_t nroutes;
	route_handler dispatch; /* authenticates, then calls the route's handler */
	struct ctx_list in_flight;
	long n_in_flight;
	bool draining;
	struct event *drain_timer;
	struct event *flush_timer;
	struct event *accept_resume;
	uint64_t accept_paused_logged_ns;
	uint64_t flush_deadline_ns;
	void (*drained)(void *);
	void *drained_arg;
};

static void on_request(struct evhttp_request *req, void *arg);
static void on_ops_request(struct evhttp_request *req, void *arg);
static void on_drain_timeout(evutil_socket_t fd, short what, void *arg);
static void on_flush_check(evutil_socket_t fd, short what, void *arg);
static void on_accept_resume(evutil_socket_t fd, short what, void *arg);

struct http_server *
http_server_new(struct app *app, const struct route *routes, size_t nroutes,
                const struct http_server_limits *limits, route_handler dispatch)
{
	struct http_server *srv = xcalloc(1, sizeof(*srv));
	srv->app = app;
	srv->dispatch = dispatch;
	http_server_current = srv;
	srv->routes = routes;
	srv->nroutes = nroutes;
	TAILQ_INIT(&srv->in_flight);
	srv->http = evhttp_new(app->base);
	if (!srv->http)
		abort();
	struct conn_limits cl = {
		.max_head_bytes = limits->max_header_bytes,
		.max_body_bytes = limits->max_body_bytes,
		.max_upload_bytes = limits->max_upload_bytes,
		.max_uploads = limits->max_uploads,
		.read_timeout_ms = limits->read_timeout_ms,
		.first_byte_timeout_ms = limits->first_byte_timeout_ms,
		.max_connections = limits->max_connections,
		.routes = routes,
		.nroutes = nroutes,
	};
	srv->conns = conn_tracker_new(app->base, &cl, app->metrics);
	evhttp_set_bevcb(srv->http, conn_tracker_new_bufferevent, srv->conns);
	evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
	                                          EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH |
	                                          EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS);
	/* The framing guard enforces the real limits first; these only back it up. */
	evhttp_set_max_headers_size(srv->http, (ev_ssize_t)(limits->max_header_bytes * 2 + 1024));
	evhttp_set_max_body_size(srv->http,
	                         (ev_ssize_t)(limits->max_upload_bytes > limits->max_body_bytes
	                                          ? limits->max_upload_bytes
	                                          : limits->max_body_bytes));
	evhttp_set_timeout(srv->http, (int)limits->idle_timeout_s);
	evhttp_set_gencb(srv->http, on_request, srv);

	/*
	 * The operations port takes no bodies (and no uploads: no routes for the
	 * guard to find them by), from at most HTTP_OPS_MAX_CONNECTIONS clients:
	 * probes and scrapers, not the public.
	 */
	srv->ops_http = evhttp_new(app->base);
	if (!srv->ops_http)
		abort();
	struct conn_limits ol = cl;
	ol.max_connections = HTTP_OPS_MAX_CONNECTIONS;
	ol.max_body_bytes = 0;
	ol.routes = NULL;
	ol.nroutes = 0;
	srv->ops_conns = conn_tracker_new(app->base, &ol, app->metrics);
	evhttp_set_bevcb(srv->ops_http, conn_tracker_new_bufferevent, srv->ops_conns);
	/* Every method evhttp would otherwise answer in HTML: this server answers them 404 or 405.
	 */
	evhttp_set_allowed_methods(
	    srv->ops_http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
	                       EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS);
	evhttp_set_max_headers_size(srv->ops_http,
	                            (ev_ssize_t)(limits->max_header_bytes * 2 + 1024));
	evhttp_set_max_body_size(srv->ops_http, 0);
	evhttp_set_timeout(srv->ops_http, (int)limits->idle_timeout_s);
	evhttp_set_gencb(srv->ops_http, on_ops_request, srv);
	srv->drain_timer = evtimer_new(app->base, on_drain_timeout, srv);
	srv->flush_timer = evtimer_new(app->base, on_flush_check, srv);
	srv->accept_resume = evtimer_new(app->base, on_accept_resume, srv);
	if (!srv->drain_timer || !srv->flush_timer || !srv->accept_resume)
		abort();
	return srv;
}

void
http_server_free(struct http_server *srv)
{
	if (!srv)
		return;
	evhttp_free(srv->http);
	conn_tracker_free(srv->conns);
	evhttp_free(srv->ops_http);
	conn_tracker_free(srv->ops_conns);
	if (http_server_current == srv)
		http_server_current = NULL;
	event_free(srv->drain_timer);
	event_free(srv->flush_timer);
	event_free(srv->accept_resume);
	free(srv);
}

/* How long accepting pauses when the process is out of file descriptors. */
#define ACCEPT_PAUSE_MS 100

static void
on_accept_resume(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct http_server *srv = arg;
	if (srv->draining)
		return;
	if (srv->listener)
		evconnlistener_enable(evhttp_bound_socket_get_listener(srv->listener));
	if (srv->ops_listener)
		evconnlistener_enable(evhttp_bound_socket_get_listener(srv->ops_listener));
}

/*
 * accept() failed. Out of descriptors, the listening socket stays readable and
 * the loop would spin on it: pause accepting briefly instead, and say so once
 * in a while rather than once per attempt.
 */
static void
on_accept_error(struct evconnlistener *listener, void *arg)
{
	(void)arg;
	int err = errno;
	/* The listener's user pointer is evhttp's; ours is the process's one server. */
	struct http_server *srv = http_server_current;
	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM) {
		log_msg(LOG_WARN, "accept failed", "%s", strerror(err));
		return;
	}
	evconnlistener_disable(listener);
	if (srv) {
		metrics_count_rejection(srv->app->metrics, "out-of-descriptors");
		uint64_t now = pt_monotonic_ns();
		if (now - srv->accept_paused_logged_ns > 10ull * 1000000000u) {
			srv->accept_paused_logged_ns = now;
			log_msg(
			    LOG_ERROR, "accept paused",
			    "%s: not accepting connections for %d ms at a time until descriptors "
			    "free up (raise the open-files limit or lower --max-connections)",
			    strerror(err), ACCEPT_PAUSE_MS);
		}
		struct timeval tv = { .tv_sec = 0, .tv_usec = ACCEPT_PAUSE_MS * 1000 };
		event_add(srv->accept_resume, &tv);
	}
}

/* Binds "HOST:PORT" for http; writes the URL actually served (port 0 resolved) into url. */
static struct evhttp_bound_socket *
bind_listener(struct evhttp *http, const char *flag, const char *listen, char *url, size_t urllen)
{
	char host[256];
	int port;
	if (!config_parse_listen(listen, host, sizeof(host), &port)) {
		log_msg(LOG_ERROR, "bad address", "--%s '%s' is not HOST:PORT", flag, listen);
		return NULL;
	}
	struct evhttp_bound_socket *bound =
	    evhttp_bind_socket_with_handle(http, host, (ev_uint16_t)port);
	if (!bound) {
		log_msg(LOG_ERROR, "cannot listen", "--%s: could not bind %s:%d", flag, host, port);
		return NULL;
	}
	evconnlistener_set_error_cb(evhttp_bound_socket_get_listener(bound), on_accept_error);
	evutil_socket_t fd = evhttp_bound_socket_get_fd(bound);
	/*
	 * No Nagle: libevent writes an answer in pieces of at most 16 KiB, and
	 * Nagle holds the last, smaller piece until the client acknowledges the
	 * first, which a client delaying its ACKs does 40 ms later: every answer
	 * over 16 KiB (a matrix page of 50 rows is 30 KiB) took 40 ms more on a
	 * keep-alive connection. Accepted sockets inherit it from the listener
	 * (Linux), so it costs no call per connection.
	 */
	int one = 1;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
		log_msg(LOG_WARN, "no TCP_NODELAY", "--%s: setsockopt: %s", flag, strerror(errno));
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET6)
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		else
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	}
	bool v6 = strchr(host, ':') != NULL;
	snprintf(url, urllen, "http://%s%s%s:%d", v6 ? "[" : "", host, v6 ? "]" : "", port);
	return bound;
}

bool
http_server_listen(struct http_server *srv, const char *listen, char *url, size_t urllen)
{
	srv->listener = bind_listener(srv->http, "listen", listen, url, urllen);
	return srv->listener != NULL;
}

bool
http_server_listen_ops(struct http_server *srv, const char *listen, char *url, size_t urllen)
{
	srv->ops_listener = bind_listener(srv->ops_http, "ops-listen", listen, url, urllen);
	return srv->ops_listener != NULL;
}

const struct route *
http_server_routes(const struct http_server *srv, size_t *count)
{
	*count = srv->nroutes;
	return srv->routes;
}

long
http_server_connections(const struct http_server *srv)
{
	return conn_tracker_open(srv->conns);
}

long
http_server_in_flight(const struct http_server *srv)
{
	return srv->n_in_flight;
}

long
http_server_uploads(const struct http_server *srv)
{
	return conn_tracker_uploads(srv->conns);
}

static enum http_method
method_of(struct evhttp_request *req)
{
	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET:
		return METHOD_GET;
	case EVHTTP_REQ_HEAD:
		return METHOD_HEAD;
	case EVHTTP_REQ_POST:
		return METHOD_POST;
	case EVHTTP_REQ_PUT:
		return METHOD_PUT;
	case EVHTTP_REQ_PATCH:
		return METHOD_PATCH;
	case EVHTTP_REQ_DELETE:
		return METHOD_DELETE;
	case EVHTTP_REQ_OPTIONS:
		return METHOD_OPTIONS;
	default:
		return 0;
	}
}

static bool
request_id_acceptable(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 64)
		return false;
	for (const char *c = id; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-'))
			return false;
	return true;
}

/*
 * Shutdown completes when no request is in flight and every answer has left
 * for its socket (evhttp writes asynchronously), or when the flush grace ends.
 */
static void
maybe_drained(struct http_server *srv)
{
	if (!srv->draining || srv->n_in_flight > 0 || !srv->drained)
		return;
	if (conn_tracker_unflushed(srv->conns) > 0 && pt_monotonic_ns() < srv->flush_deadline_ns) {
		struct timeval tv = { .tv_sec = 0, .tv_usec = 10 * 1000 };
		event_add(srv->flush_timer, &tv);
		return;
	}
	void (*done)(void *) = srv->drained;
	srv->drained = NULL;
	event_del(srv->drain_timer);
	event_del(srv->flush_timer);
	done(srv->drained_arg);
}

static void
on_flush_check(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	maybe_drained(arg);
}

/*
 * A write answered here may have changed what the caches hold: drop it before
 * the answer leaves, so the writer's next read shows the write even before
 * PostgreSQL's notification arrives (a changed password: the caller's own
 * cached identity, whose password had expired). Not for anonymous callers or 4xx
 * answers, which changed nothing (else anyone could keep the caches empty
 * with refused requests); a 5xx may have committed, so it counts. Signing in
 * only adds a token.
 */
static void
note_local_write(struct http_ctx *ctx, const struct route *route, int status)
{
	if ((route->access & ACCESS_PUBLIC) || !ctx->caller.known ||
	    (status >= 400 && status < 500))
		return;
	/* Its events committed: the sequencer orders them now, for the change feed. */
	sealer_kick(ctx->srv->app->sealer);
	if (!ctx->srv->app->caches)
		return;
	bool auth = strncmp(route->pattern, "/api/v1/users", 13) == 0 ||
	            strncmp(route->pattern, "/api/v1/sessions", 16) == 0 ||
	            strcmp(route->pattern, "/api/v1/me/password") == 0;
	caches_local_write(ctx->srv->app->caches, auth);
}

/* Nonzero while evhttp's request callback runs (handle_request). */
static int in_request_callback;

/*
 * An answer finished outside evhttp's request callback (after a database
 * round trip) is written to the socket at once, and evhttp told it is sent,
 * rather than when the loop next finds the socket writable: a wake-up and
 * the epoll changes that watch for writability fewer per request. Inside
 * evhttp's callback, telling evhttp could free the connection under its
 * feet, so those answers (and any not written whole) go the usual way.
 */
static void
write_now(struct bufferevent *bev)
{
	struct evbuffer *out = bufferevent_get_output(bev);
	evutil_socket_t fd = bufferevent_getfd(bev);
	if (fd < 0 || evbuffer_get_length(out) == 0)
		return;
	/* A socket bufferevent keeps its output's front frozen except while it writes. */
	evbuffer_unfreeze(out, 1);
	int n = evbuffer_write(out, fd);
	evbuffer_freeze(out, 1);
	/* Runs evhttp's write callback: the request is done, the next one is read. */
	if (n > 0 && evbuffer_get_length(out) == 0)
		bufferevent_trigger(bev, EV_WRITE, 0);
}

/* Sends the answer, writes the access log line and the metrics, frees ctx. */
static void
finish(struct http_ctx *ctx, int status, struct evbuffer *body)
{
	struct http_server *srv = ctx->srv;
	struct evkeyvalq *out = evhttp_request_get_output_headers(ctx->req);
	evhttp_add_header(out, "X-Request-Id", ctx->request_id);
	/*
	 * Safe by default, for every answer: no type sniffing, no framing by other
	 * sites, no referrer leaving the site, and nothing kept in a cache unless
	 * the handler said it may be (the console's assets do).
	 */
	evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(out, "X-Frame-Options", "DENY");
	evhttp_add_header(out, "Referrer-Policy", "same-origin");
	if (!evhttp_find_header(out, "Content-Security-Policy"))
		evhttp_add_header(out, "Content-Security-Policy", "frame-ancestors 'none'");
	if (!evhttp_find_header(out, "Cache-Control"))
		evhttp_add_header(out, "Cache-Control", "no-store");
	if (srv->draining)
		evhttp_add_header(out, "Connection", "close");
	if (ctx->method == METHOD_HEAD && body) {
		/* HEAD answers the GET's length without its bytes. */
		char len[32];
		snprintf(len, sizeof(len), "%zu", evbuffer_get_length(body));
		evhttp_remove_header(out, "Content-Length");
		evhttp_add_header(out, "Content-Length", len);
		evbuffer_drain(body, evbuffer_get_length(body));
	}
	if (ctx->route_index >= 0 && ctx->method != METHOD_GET && ctx->method != METHOD_HEAD) {
		note_local_write(ctx, &srv->routes[ctx->route_index], status);
	}
	if (ctx->route_index >= 0 && (srv->routes[ctx->route_index].access & ACCESS_UPLOAD)) {
		/* The body goes with this answer: its place among --max-uploads is free. */
		struct evhttp_connection *evcon = evhttp_request_get_connection(ctx->req);
		if (evcon)
			conn_tracker_upload_done(srv->conns,
			                         evhttp_connection_get_bufferevent(evcon));
	}
	/* Log first: sending may free the request, and ctx->path points into it. */
	uint64_t elapsed = pt_monotonic_ns() - ctx->start_ns;
	metrics_observe_request(srv->app->metrics, ctx->route_index, ctx->method, status, elapsed);
	if (log_enabled(LOG_INFO)) {
		const char *m = http_method_name(ctx->method);
		struct log_access a = {
			.request_id = ctx->request_id,
			.method = m ? m : "OTHER",
			.path = ctx->path ? ctx->path : "",
			.route = ctx->route_index >= 0 ? srv->routes[ctx->route_index].pattern
			                               : "unmatched",
			.status = status,
			.duration_ns = elapsed,
			.user = ctx->caller.known ? ctx->caller.username : NULL,
		};
		log_request(&a);
	}

	struct bufferevent *bev = NULL;
	if (!in_request_callback && !srv->draining) {
		struct evhttp_connection *evcon = evhttp_request_get_connection(ctx->req);
		if (evcon)
			bev = evhttp_connection_get_bufferevent(evcon);
	}
	evhttp_send_reply(ctx->req, status, http_reason_phrase(status), body);
	if (bev)
		write_now(bev);

	if (ctx->route_index >= 0) {
		TAILQ_REMOVE(&srv->in_flight, ctx, link);
		srv->n_in_flight--;
	}
	route_match_clear(&ctx->match);
	if (ctx->state_free)
		ctx->state_free(ctx->state);
	free(ctx);
	maybe_drained(srv);
}

void
http_set_header(struct http_ctx *ctx, const char *name, const char *value)
{
	evhttp_add_header(evhttp_request_get_output_headers(ctx->req), name, value);
}

void
http_reply_buffer(struct http_ctx *ctx, int status, const char *content_type, struct evbuffer *body)
{
	if (content_type)
		http_set_header(ctx, "Content-Type", content_type);
	finish(ctx, status, body);
}

void
http_reply_json(struct http_ctx *ctx, int status, cJSON *body)
{
	char *text = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	if (!text)
		abort();
	struct evbuffer *buf = evbuffer_new();
	evbuffer_add(buf, text, strlen(text));
	free(text);
	http_reply_buffer(ctx, status, "application/json", buf);
	evbuffer_free(buf);
}

static void reply_problem_full(struct http_ctx *ctx, int status, const char *slug,
                               const char *title, const char *detail, cJSON *errors,
                               const char *reason, cJSON *extra);

void
http_reply_problem(struct http_ctx *ctx, int status, const char *slug, const char *title,
                   const char *detail, cJSON *errors)
{
	reply_problem_full(ctx, status, slug, title, detail, errors, NULL, NULL);
}

void
http_reply_problem_extra(struct http_ctx *ctx, int status, const char *slug, const char *title,
                         const char *detail, cJSON *errors, cJSON *extra)
{
	reply_problem_full(ctx, status, slug, title, detail, errors, NULL, extra);
}

void
http_reply_conflict(struct http_ctx *ctx, const char *reason, const char *detail)
{
	char slug[64];
	snprintf(slug, sizeof(slug), "%s", reason);
	for (char *c = slug; *c; c++)
		if (*c == '_')
			*c = '-';
	reply_problem_full(ctx, 409, slug, NULL, detail, NULL, reason, NULL);
}

static void
reply_problem_full(struct http_ctx *ctx, int status, const char *slug, const char *title,
                   const char *detail, cJSON *errors, const char *reason, cJSON *extra)
{
	struct problem p = {
		.status = status,
		.slug = slug,
		.title = title,
		.detail = detail,
		.instance = ctx->path,
		.request_id = ctx->request_id,
		.errors = errors,
		.reason = reason,
		.extra = extra,
	};
	char *text = problem_to_json(&p);
	cJSON_Delete(errors);
	cJSON_Delete(extra);
	struct evbuffer *buf = evbuffer_new();
	evbuffer_add(buf, text, strlen(text));
	free(text);
	http_reply_buffer(ctx, status, PROBLEM_CONTENT_TYPE, buf);
	evbuffer_free(buf);
}

void
http_reply_unavailable(struct http_ctx *ctx, int retry_after_s, const char *slug, const char *title,
                       const char *detail)
{
	char seconds[16];
	snprintf(seconds, sizeof(seconds), "%d", retry_after_s);
	http_set_header(ctx, "Retry-After", seconds);
	http_reply_problem(ctx, 503, slug, title, detail, NULL);
}

/* A request the server will not finish because it is stopping: elsewhere, it would. */
static void
reply_shutting_down(struct http_ctx *ctx)
{
	http_reply_unavailable(ctx, 1, "shutting-down", NULL,
	                       "the server is shutting down; retry on another instance");
}

void
http_reply_db_failure(struct http_ctx *ctx, const struct db_result *r)
{
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "request_id", ctx->request_id);
	cJSON_AddNumberToObject(f, "db_status", r->status);
	if (r->message)
		cJSON_AddStringToObject(f, "detail", r->message);
	log_emit(LOG_WARN, "database failure", f);
	switch (r->status) {
	case DB_SQL_ERROR:
		/* The SQL error is in the log under the request id; clients get no internals. */
		http_reply_problem(ctx, 500, "internal-error", NULL,
		                   "the request failed inside the server; quote the request_id "
		                   "when reporting it",
		                   NULL);
		return;
	case DB_TIMEOUT:
		http_reply_unavailable(ctx, 1, "database-timeout", NULL,
		                       "the database did not answer in time; retry shortly");
		return;
	case DB_OVERLOADED:
		http_reply_unavailable(
		    ctx, 1, "overloaded", NULL,
		    "too many requests are waiting for the database; retry shortly");
		return;
	case DB_SHUTTING_DOWN:
		reply_shutting_down(ctx);
		return;
	case DB_UNAVAILABLE:
	case DB_OK:
	default:
		http_reply_unavailable(ctx, 5, "database-unavailable", NULL,
		                       "the database is unreachable; retry shortly");
		return;
	}
}

static void
query_trampoline(void *arg, const struct db_result *r)
{
	struct http_ctx *ctx = arg;
	ctx->query = NULL;
	ctx->query_done(ctx, r);
}

void
http_query(struct http_ctx *ctx, const struct sql_statement *stmt, const char *const *values,
           http_db_fn done)
{
	http_query_with(ctx, stmt, values, NULL, done);
}

void
http_query_with(struct http_ctx *ctx, const struct sql_statement *stmt, const char *const *values,
                const struct db_options *opts, http_db_fn done)
{
	enum db_status refusal = DB_UNAVAILABLE;
	/* A replica only when the read waited for it to be current (api/auth.c). */
	struct db_pool *pool = ctx->replica_pool ? ctx->replica_pool : ctx->app->db;
	/*
	 * A route a replica may serve only reads, once its caller is known (the
	 * token's lookup may end an idle session): its queries may be pipelined
	 * (pg/db.h).
	 */
	struct db_options read = { .binary_param = -1 };
	if (ctx->caller.known && ctx->route_index >= 0 && ctx->method == METHOD_GET &&
	    (ctx->srv->routes[ctx->route_index].access & ACCESS_REPLICA)) {
		if (opts)
			read = *opts;
		read.read_only = true;
		opts = &read;
	}
	ctx->query_done = done;
	ctx->query = db_submit_with(pool, stmt, values, opts, query_trampoline, ctx, &refusal);
	if (!ctx->query) {
		struct db_result r = { .status = refusal, .res = NULL, .message = NULL };
		http_reply_db_failure(ctx, &r);
	}
}

/* How many times the request carries header name (case-insensitive). */
static int
header_count(struct evhttp_request *req, const char *name)
{
	int n = 0;
	const struct evkeyval *h;
	TAILQ_FOREACH(h, evhttp_request_get_input_headers(req), next)
	if (strcasecmp(h->key, name) == 0)
		n++;
	return n;
}

/* A request from the client port, or (ops) from the operations port. */
static void
handle_request(struct http_server *srv, struct evhttp_request *req, bool ops)
{
	struct http_ctx *ctx = xcalloc(1, sizeof(*ctx));
	ctx->srv = srv;
	ctx->app = srv->app;
	ctx->req = req;
	ctx->start_ns = pt_monotonic_ns();
	ctx->route_index = -1;
	ctx->method = method_of(req);
	const char *incoming =
	    evhttp_find_header(evhttp_request_get_input_headers(req), "X-Request-Id");
	if (incoming && request_id_acceptable(incoming))
		snprintf(ctx->request_id, sizeof(ctx->request_id), "%s", incoming);
	else
		request_id_generate(ctx->request_id);

	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	ctx->path = path && *path ? path : "/";

	if (srv->draining) {
		reply_shutting_down(ctx);
		return;
	}
	if (header_count(req, "Authorization") > 1) {
		/*
		 * RFC 9110 allows one credential per request. Picking one of two
		 * (evhttp finds the first) would let a proxy and the daemon disagree
		 * on who is asking.
		 */
		http_reply_problem(ctx, 400, "duplicate-header", NULL,
		                   "the request has more than one Authorization header", NULL);
		return;
	}
	unsigned allowed = 0;
	switch (router_match(srv->routes, srv->nroutes, ctx->method, ctx->path, &ctx->match,
	                     &allowed)) {
	case ROUTE_FOUND:
		if (ops && !(ctx->match.route->access & ACCESS_OPS)) {
			route_match_clear(&ctx->match);
			http_reply_problem(ctx, 404, "not-found", NULL,
			                   "the operations port serves /healthz, /readyz and "
			                   "/metrics only",
			                   NULL);
			return;
		}
		ctx->route_index = (int)(ctx->match.route - srv->routes);
		TAILQ_INSERT_TAIL(&srv->in_flight, ctx, link);
		srv->n_in_flight++;
		srv->dispatch(ctx);
		return;
	case ROUTE_METHOD_NOT_ALLOWED: {
		char allow[128];
		http_methods_format(allowed, allow, sizeof(allow));
		http_set_header(ctx, "Allow", allow);
		char detail[192];
		snprintf(detail, sizeof(detail), "this resource answers only %s", allow);
		http_reply_problem(ctx, 405, "method-not-allowed", NULL, detail, NULL);
		return;
	}
	case ROUTE_BAD_PATH:
		http_reply_problem(ctx, 400, "bad-path", NULL,
		                   "the path has a malformed percent-escape, an encoded NUL or "
		                   "bytes that are not UTF-8",
		                   NULL);
		return;
	case ROUTE_NOT_FOUND:
	default:
		http_reply_problem(ctx, 404, "not-found", NULL, "no resource at this path", NULL);
		return;
	}
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	in_request_callback++;
	handle_request(arg, req, false);
	in_request_callback--;
}

static void
on_ops_request(struct evhttp_request *req, void *arg)
{
	in_request_callback++;
	handle_request(arg, req, true);
	in_request_callback--;
}

static void
on_drain_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct http_server *srv = arg;
	struct http_ctx *ctx;
	log_msg(LOG_WARN, "shutdown timeout", "%ld requests still in flight are answered 503",
	        srv->n_in_flight);
	while ((ctx = TAILQ_FIRST(&srv->in_flight)) != NULL) {
		if (ctx->query) {
			db_query_abandon(ctx->query);
			ctx->query = NULL;
		}
		reply_shutting_down(ctx);
	}
	maybe_drained(srv);
}

void
http_server_shutdown(struct http_server *srv, long timeout_ms, void (*done)(void *), void *arg)
{
	if (srv->draining)
		return;
	srv->draining = true;
	srv->drained = done;
	srv->drained_arg = arg;
	if (srv->listener) {
		evhttp_del_accept_socket(srv->http, srv->listener);
		srv->listener = NULL;
	}
	if (srv->ops_listener) {
		evhttp_del_accept_socket(srv->ops_http, srv->ops_listener);
		srv->ops_listener = NULL;
	}
	log_msg(LOG_INFO, "shutting down", "%ld requests in flight", srv->n_in_flight);
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
	event_add(srv->drain_timer, &tv);
	/* Answers get one more second to reach slow clients after the last is sent. */
	srv->flush_deadline_ns = pt_monotonic_ns() + ((uint64_t)timeout_ms + 1000) * 1000000u;
	maybe_drained(srv);
}

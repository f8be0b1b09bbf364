#include "http/conn.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "core/log.h"
#include "core/util.h"
#include "http/framing.h"
#include "http/metrics.h"
#include "http/problem.h"
#include "http/router.h"

/* After a refusal, how long the client may keep sending before we stop reading. */
#define LINGER_MS 500

/*
 * A file upload may take longer than the read deadline: each time this much
 * more of its body has come, the deadline starts again. A client must send
 * 64 KiB per --read-timeout-ms (6.4 KiB/s by default) to keep an upload going.
 */
#define UPLOAD_PROGRESS_BYTES (64 * 1024)

struct guard {
	LIST_ENTRY(guard) link;
	struct conn_tracker *tracker;
	struct bufferevent *bev; /* owned by evhttp */
	struct evbuffer_cb_entry *input_cb;
	struct event *attach_ev;
	struct event *deadline_ev;
	struct event *linger_ev;
	struct framing_parser parser;
	uint64_t deadline_for_request; /* requests_started value the deadline was armed for */
	uint64_t progress_mark;        /* body_seen when the deadline was last armed */
	uint64_t request_start_ns;     /* when the current request's first byte came */
	long uploads_held;             /* places among max_uploads this connection holds */
	bool attached;                 /* evhttp's close callback is set */
	bool refused;
};

LIST_HEAD(guard_list, guard);

struct conn_tracker {
	struct event_base *base;
	struct conn_limits limits;
	struct metrics *metrics;
	struct guard_list guards;
	long open;
	long uploads; /* the places among limits.max_uploads in use */
};

/*
 * A random per-process prefix and a counter: unique across instances and
 * restarts without a getrandom() system call per request. Ids only correlate
 * log lines; they guard nothing, so predictability does not matter.
 */
void
request_id_generate(char *out)
{
	static uint64_t prefix, counter;
	if (!prefix)
		randombytes_buf(&prefix, sizeof(prefix));
	unsigned char raw[16];
	uint64_t n = ++counter;
	memcpy(raw, &prefix, sizeof(prefix));
	for (int i = 15; i >= 8; i--, n >>= 8)
		raw[i] = (unsigned char)n;
	sodium_bin2hex(out, 33, raw, sizeof(raw));
}

struct conn_tracker *
conn_tracker_new(struct event_base *base, const struct conn_limits *limits, struct metrics *metrics)
{
	struct conn_tracker *t = xcalloc(1, sizeof(*t));
	t->base = base;
	t->limits = *limits;
	t->metrics = metrics;
	LIST_INIT(&t->guards);
	return t;
}

long
conn_tracker_open(const struct conn_tracker *t)
{
	return t->open;
}

long
conn_tracker_unflushed(const struct conn_tracker *t)
{
	long n = 0;
	const struct guard *g;
	LIST_FOREACH(g, &t->guards, link)
	if (g->attached && evbuffer_get_length(bufferevent_get_output(g->bev)) > 0)
		n++;
	return n;
}

long
conn_tracker_uploads(const struct conn_tracker *t)
{
	return t->uploads;
}

static void
upload_release(struct guard *g, long n)
{
	if (n > g->uploads_held)
		n = g->uploads_held;
	g->uploads_held -= n;
	g->tracker->uploads -= n;
}

void
conn_tracker_upload_done(struct conn_tracker *t, struct bufferevent *bev)
{
	struct guard *g;
	/* Only for answers on upload routes, so a walk over the connections is fine. */
	LIST_FOREACH(g, &t->guards, link)
	if (g->bev == bev) {
		upload_release(g, 1);
		return;
	}
}

static void
guard_free(struct guard *g, bool touch_bufferevent)
{
	upload_release(g, g->uploads_held);
	if (touch_bufferevent && g->input_cb)
		evbuffer_remove_cb_entry(bufferevent_get_input(g->bev), g->input_cb);
	event_free(g->attach_ev);
	event_free(g->deadline_ev);
	event_free(g->linger_ev);
	LIST_REMOVE(g, link);
	g->tracker->open--;
	free(g);
}

void
conn_tracker_free(struct conn_tracker *t)
{
	if (!t)
		return;
	struct guard *g;
	/* Whatever is left had its bufferevent freed by evhttp_free already. */
	while ((g = LIST_FIRST(&t->guards)) != NULL)
		guard_free(g, false);
	free(t);
}

static void
on_connection_close(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	guard_free(arg, true);
}

static void
on_linger_done(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct guard *g = arg;
	/* Reads now see end-of-file, so evhttp closes and frees the connection. */
	shutdown(bufferevent_getfd(g->bev), SHUT_RD);
}

/* Answers p on the raw socket and closes the connection after a short linger. */
static void
guard_refuse(struct guard *g, int status, const char *slug, const char *detail)
{
	if (g->refused)
		return;
	g->refused = true;
	event_del(g->deadline_ev);
	/* No body of this connection's will be read again: its uploads' places are free. */
	upload_release(g, g->uploads_held);
	char request_id[33];
	request_id_generate(request_id);
	struct problem p = {
		.status = status, .slug = slug, .detail = detail, .request_id = request_id
	};
	size_t len;
	char *resp = problem_raw_response(&p, &len);
	evutil_socket_t fd = bufferevent_getfd(g->bev);
	/* Small and first on the connection's send buffer: one non-blocking send suffices. */
	ssize_t sent = send(fd, resp, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)sent;
	free(resp);
	/* Whatever evhttp has buffered of this stream must never reach a handler. */
	struct evbuffer *input = bufferevent_get_input(g->bev);
	evbuffer_drain(input, evbuffer_get_length(input));
	shutdown(fd, SHUT_WR);
	struct timeval tv = { .tv_sec = 0, .tv_usec = LINGER_MS * 1000 };
	event_add(g->linger_ev, &tv);

	/* Refusals are requests too: the same access-log line and request metrics. */
	const struct framing_parser *fp = &g->parser;
	bool have_request = fp->requests_started > fp->requests_complete;
	uint64_t elapsed = have_request ? pt_monotonic_ns() - g->request_start_ns : 0;
	enum http_method method = have_request ? http_method_from_name(fp->method) : 0;
	metrics_count_rejection(g->tracker->metrics, slug);
	metrics_observe_request(g->tracker->metrics, -1, method, status, elapsed);
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "request_id", request_id);
	if (have_request && fp->method_len && fp->method_len < sizeof(fp->method))
		cJSON_AddStringToObject(f, "method", fp->method);
	else
		cJSON_AddNullToObject(f, "method");
	if (have_request && fp->target_len) {
		size_t n =
		    fp->target_len < sizeof(fp->target) ? fp->target_len : sizeof(fp->target) - 1;
		char *path = xstrndup(fp->target, n);
		cJSON_AddStringToObject(f, "path", path);
		free(path);
	} else {
		cJSON_AddNullToObject(f, "path");
	}
	cJSON_AddStringToObject(f, "route", "refused");
	cJSON_AddNumberToObject(f, "status", status);
	cJSON_AddNumberToObject(f, "duration_ms", (double)elapsed / 1e6);
	cJSON_AddNullToObject(f, "user");
	cJSON_AddStringToObject(f, "refused", detail);
	log_emit(LOG_INFO, "request", f);
}

/*
 * The connection sent no request within the first-byte deadline: close it
 * without an answer (there is no request to answer; a browser that opened it
 * ahead of need just opens another).
 */
static void
guard_close_silent(struct guard *g)
{
	g->refused = true;
	metrics_count_rejection(g->tracker->metrics, "first-byte-timeout");
	/* evhttp reads end-of-file, then closes and frees the connection. */
	shutdown(bufferevent_getfd(g->bev), SHUT_RDWR);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct guard *g = arg;
	struct timeval tv = { .tv_sec = 0, .tv_usec = 100 * 1000 };
	if (g->parser.requests_started == 0) {
		int pending = 0;
		if (ioctl(bufferevent_getfd(g->bev), FIONREAD, &pending) == 0 && pending > 0) {
			event_add(g->deadline_ev, &tv); /* its first bytes came in time */
			return;
		}
		guard_close_silent(g);
		return;
	}
	if (!(bufferevent_get_enabled(g->bev) & EV_READ)) {
		/*
		 * evhttp is still answering an earlier request and reads nothing
		 * meanwhile: that time is not the client's. Start this request's
		 * clock again once evhttp reads.
		 */
		long ms = g->tracker->limits.read_timeout_ms;
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		event_add(g->deadline_ev, &tv);
		return;
	}
	int pending = 0;
	if (ioctl(bufferevent_getfd(g->bev), FIONREAD, &pending) == 0 && pending > 0) {
		/* Bytes the kernel holds that evhttp has not read yet: they arrived in time. */
		event_add(g->deadline_ev, &tv);
		return;
	}
	guard_refuse(g, 408, "request-timeout",
	             "the request did not arrive completely within the read deadline");
}

static void
update_deadline(struct guard *g)
{
	const struct framing_parser *p = &g->parser;
	if (!framing_in_request(p)) {
		/* Before the first request (blank lines only), the first-byte deadline holds. */
		if (p->requests_started > 0)
			event_del(g->deadline_ev);
		return;
	}
	if (event_pending(g->deadline_ev, EV_TIMEOUT, NULL) &&
	    g->deadline_for_request == p->requests_started &&
	    !(p->large == FRAMING_LARGE_ALLOWED &&
	      p->body_seen - g->progress_mark >= UPLOAD_PROGRESS_BYTES))
		return;
	g->deadline_for_request = p->requests_started;
	g->progress_mark = p->body_seen;
	long ms = g->tracker->limits.read_timeout_ms;
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	event_add(g->deadline_ev, &tv);
}

static void
guard_attach(struct guard *g)
{
	if (g->attached)
		return;
	void *cbarg = NULL;
	bufferevent_getcb(g->bev, NULL, NULL, NULL, &cbarg);
	if (!cbarg)
		return; /* evhttp has not set up the connection yet */
	evhttp_connection_set_closecb(cbarg, on_connection_close, g);
	g->attached = true;
	if (g->tracker->open > g->tracker->limits.max_connections)
		guard_refuse(g, 503, "too-many-connections",
		             "the server has too many open connections; retry shortly");
}

static void
on_attach(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	guard_attach(arg);
}

static void
on_input(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct guard *g = arg;
	if (info->n_added == 0)
		return;
	guard_attach(g);
	if (g->refused) {
		evbuffer_drain(buf, evbuffer_get_length(buf));
		return;
	}
	/* Input is only ever appended at the end, so the new bytes are the last n_added. */
	size_t total = evbuffer_get_length(buf);
	struct evbuffer_ptr pos;
	if (evbuffer_ptr_set(buf, &pos, total - info->n_added, EVBUFFER_PTR_SET) < 0)
		return;
	struct evbuffer_iovec vec[8];
	size_t left = info->n_added;
	while (left > 0) {
		int n = evbuffer_peek(buf, (ev_ssize_t)left, &pos, vec, PT_ARRAY_LEN(vec));
		if (n <= 0)
			break;
		int used = n < (int)PT_ARRAY_LEN(vec) ? n : (int)PT_ARRAY_LEN(vec);
		for (int i = 0; i < used && left > 0; i++) {
			size_t len = vec[i].iov_len < left ? vec[i].iov_len : left;
			uint64_t started = g->parser.requests_started;
			bool ok = framing_feed(&g->parser, vec[i].iov_base, len);
			if (g->parser.requests_started != started)
				g->request_start_ns = pt_monotonic_ns();
			if (!ok) {
				const struct framing_verdict *v = &g->parser.verdict;
				char detail[160];
				const char *why = v->detail;
				if (v->status == 413 && g->parser.large == FRAMING_LARGE_ALLOWED) {
					snprintf(detail, sizeof(detail),
					         "the file is larger than the %llu bytes this "
					         "server accepts (--max-upload-bytes)",
					         (unsigned long long)
					             g->tracker->limits.max_upload_bytes);
					why = detail;
				}
				guard_refuse(g, v->status, v->slug, why);
				return;
			}
			left -= len;
			evbuffer_ptr_set(buf, &pos, len, EVBUFFER_PTR_ADD);
		}
	}
	update_deadline(g);
}

/*
 * Whether the request the parser is reading is for a route that takes files:
 * its method and path (the target up to '?') match a ACCESS_UPLOAD route. A
 * path longer than the parser keeps cannot be one.
 */
static bool
request_is_upload(const struct conn_tracker *t, const struct framing_parser *p)
{
	size_t kept = p->target_len < sizeof(p->target) ? p->target_len : sizeof(p->target) - 1;
	const char *query = memchr(p->target, '?', kept);
	if (!query && kept < p->target_len)
		return false;
	char path[sizeof(p->target)];
	size_t n = query ? (size_t)(query - p->target) : kept;
	memcpy(path, p->target, n);
	path[n] = '\0';
	struct route_match m;
	unsigned allowed = 0;
	if (router_match(t->limits.routes, t->limits.nroutes, http_method_from_name(p->method),
	                 path, &m, &allowed) != ROUTE_FOUND)
		return false;
	bool upload = (m.route->access & ACCESS_UPLOAD) != 0;
	route_match_clear(&m);
	return upload;
}

/* The parser asks when a body would pass max_body_bytes (framing_large_fn). */
static enum framing_large
guard_large_body(void *arg, const struct framing_parser *p)
{
	struct guard *g = arg;
	struct conn_tracker *t = g->tracker;
	if (!t->limits.routes || !request_is_upload(t, p))
		return FRAMING_LARGE_REFUSED;
	if (t->uploads >= t->limits.max_uploads)
		return FRAMING_LARGE_BUSY;
	t->uploads++;
	g->uploads_held++;
	return FRAMING_LARGE_ALLOWED;
}

struct bufferevent *
conn_tracker_new_bufferevent(struct event_base *base, void *arg)
{
	struct conn_tracker *t = arg;
	struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!bev)
		abort();
	struct guard *g = xcalloc(1, sizeof(*g));
	g->tracker = t;
	g->bev = bev;
	framing_init(&g->parser, (uint64_t)t->limits.max_head_bytes,
	             (uint64_t)t->limits.max_body_bytes);
	framing_allow_large_bodies(&g->parser, t->limits.max_upload_bytes, guard_large_body, g);
	g->input_cb = evbuffer_add_cb(bufferevent_get_input(bev), on_input, g);
	g->attach_ev = event_new(base, -1, 0, on_attach, g);
	g->deadline_ev = evtimer_new(base, on_deadline, g);
	g->linger_ev = evtimer_new(base, on_linger_done, g);
	if (!g->input_cb || !g->attach_ev || !g->deadline_ev || !g->linger_ev)
		abort();
	LIST_INSERT_HEAD(&t->guards, g, link);
	t->open++;
	long ms = t->limits.first_byte_timeout_ms;
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	event_add(g->deadline_ev, &tv);
	/* evhttp sets its callbacks on bev after we return: attach on the next loop turn. */
	event_active(g->attach_ev, EV_TIMEOUT, 0);
	return bev;
}

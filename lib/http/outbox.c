#include "http/outbox.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include "core/log.h"
#include "core/util.h"
#include "pg/db.h"
#include "pg/sql_names.h"

#ifndef PT_VERSION
#define PT_VERSION "unknown"
#endif

/* A receiver's answer is read only to judge it: a robot's errcode fits in this. */
#define MAX_ANSWER_BYTES 65536
/* The reminder run is checked this often (it runs once a day, at a minute's precision). */
#define REMINDER_CHECK_NS (30ull * 1000000000ull)

enum delivery_state {
	D_SENDING,  /* the request is in libevent's hands */
	D_FINISHED, /* the outcome is known; finish() runs next on the loop */
};

struct delivery {
	TAILQ_ENTRY(delivery) link;
	struct outbox *ob;
	enum delivery_state state;
	char id[24], attempt[16];
	bool robot; /* a DingTalk or WeCom robot: a 200 may still carry errcode */
	bool https;
	struct evhttp_connection *conn;
	struct event *deadline;
	struct event *finish; /* deferred, so nothing is freed inside libevent's own callbacks */
	enum evhttp_request_error error;
	bool errored;
	bool ok;
	int status;
	char reason[300];
};

struct outbox {
	struct event_base *base;
	struct db_pool *db;
	struct outbox_config cfg;
	char reminder_time[8];
	struct evdns_base *dns;
	SSL_CTX *tls;
	struct event *tick;
	bool claiming, counting, reminding;
	uint64_t reminder_checked_ns;
	TAILQ_HEAD(, delivery) sending;
	struct outbox_stats stats;
};

static void finish(evutil_socket_t fd, short what, void *arg);

static void
delivery_free(struct delivery *d)
{
	if (d->conn)
		evhttp_connection_free(d->conn);
	if (d->deadline)
		event_free(d->deadline);
	if (d->finish)
		event_free(d->finish);
	free(d);
}

/* The outcome is known: finish on the loop's next turn, outside libevent's callbacks. */
static void
settle(struct delivery *d, bool ok, int status, const char *reason)
{
	if (d->state != D_SENDING)
		return;
	d->state = D_FINISHED;
	d->ok = ok;
	d->status = status;
	snprintf(d->reason, sizeof(d->reason), "%s", reason ? reason : "");
	event_active(d->finish, 0, 0);
}

static const char *
error_text(enum evhttp_request_error e)
{
	switch (e) {
	case EVREQ_HTTP_TIMEOUT:
		return "no answer in time";
	case EVREQ_HTTP_EOF:
		return "the connection failed or closed before an answer (refused, unreachable, or "
		       "TLS failed)";
	case EVREQ_HTTP_INVALID_HEADER:
		return "the answer's headers are not valid HTTP";
	case EVREQ_HTTP_BUFFER_ERROR:
		return "the connection failed (name not resolved, refused or reset)";
	case EVREQ_HTTP_REQUEST_CANCEL:
		return "cancelled";
	case EVREQ_HTTP_DATA_TOO_LONG:
		return "the answer is too long";
	}
	return "the request failed";
}

static void
on_error(enum evhttp_request_error e, void *arg)
{
	struct delivery *d = arg;
	d->error = e;
	d->errored = true;
}

/* A robot answers 200 with {"errcode": N, "errmsg": ...}: N other than 0 is a failure. */
static bool
robot_refused(struct evhttp_request *req, char *why, size_t whylen)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	if (len == 0)
		return false;
	char *text = xmalloc(len + 1);
	evbuffer_copyout(in, text, len);
	text[len] = '\0';
	cJSON *answer = cJSON_Parse(text);
	free(text);
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(answer, "errcode");
	bool refused = cJSON_IsNumber(code) && code->valuedouble != 0;
	if (refused) {
		const char *msg =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(answer, "errmsg"));
		snprintf(why, whylen, "the robot refused it: errcode %.0f: %.200s",
		         code->valuedouble, msg ? msg : "");
	}
	cJSON_Delete(answer);
	return refused;
}

/* Why TLS failed on d's connection, if it did: into why, else false. */
static bool
tls_failure(struct delivery *d, char *why, size_t whylen)
{
	struct bufferevent *bev =
	    d->https && d->conn ? evhttp_connection_get_bufferevent(d->conn) : NULL;
	SSL *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;
	if (!ssl)
		return false;
	long verify = SSL_get_verify_result(ssl);
	unsigned long e = bufferevent_get_openssl_error(bev);
	if (verify != X509_V_OK) {
		snprintf(why, whylen, "TLS: the certificate was not accepted: %s",
		         X509_verify_cert_error_string(verify));
		return true;
	}
	if (e) {
		const char *reason = ERR_reason_error_string(e);
		snprintf(why, whylen, "TLS: %s", reason ? reason : "the handshake failed");
		return true;
	}
	return false;
}

static void
on_done(struct evhttp_request *req, void *arg)
{
	struct delivery *d = arg;
	int status = req ? evhttp_request_get_response_code(req) : 0;
	char why[300];
	if (status == 0 && tls_failure(d, why, sizeof(why))) {
		settle(d, false, 0, why);
	} else if (status == 0) {
		settle(d, false, 0,
		       d->errored ? error_text(d->error)
		                  : "the connection failed (refused, unreachable, reset, or TLS "
		                    "failed) or closed before an answer");
	} else if (status >= 200 && status < 300) {
		if (d->robot && robot_refused(req, why, sizeof(why)))
			settle(d, false, status, why);
		else
			settle(d, true, status, NULL);
	} else if (status >= 300 && status < 400) {
		const char *to =
		    evhttp_find_header(evhttp_request_get_input_headers(req), "Location");
		snprintf(why, sizeof(why), "HTTP %d: redirects are not followed (Location: %.200s)",
		         status, to ? to : "none");
		settle(d, false, status, why);
	} else {
		snprintf(why, sizeof(why), "HTTP %d", status);
		settle(d, false, status, why);
	}
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct delivery *d = arg;
	if (d->state != D_SENDING)
		return;
	/* Not inside the connection's callbacks: it may go now, its request with it. */
	evhttp_connection_free(d->conn);
	d->conn = NULL;
	char why[96];
	snprintf(why, sizeof(why), "no answer within %d ms (--webhook-timeout-ms)",
	         d->ob->cfg.timeout_ms);
	settle(d, false, 0, why);
}

static void
recorded(void *arg, const struct db_result *r)
{
	struct outbox *ob = arg;
	if (r->status != DB_OK) {
		log_msg(LOG_WARN, "webhook outcome not recorded",
		        "%s: the lease will run out and it "
		        "is sent again",
		        r->message ? r->message : "database error");
		return;
	}
	if (PQntuples(r->res) == 1 && !PQgetisnull(r->res, 0, 0) &&
	    strcmp(PQgetvalue(r->res, 0, 0), "parked") == 0)
		ob->stats.parked++;
}

static void
finish(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct delivery *d = arg;
	struct outbox *ob = d->ob;
	TAILQ_REMOVE(&ob->sending, d, link);
	ob->stats.in_flight--;
	if (d->ok) {
		ob->stats.delivered++;
	} else {
		ob->stats.failures++;
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "delivery", d->id);
		cJSON_AddStringToObject(f, "attempt", d->attempt);
		cJSON_AddStringToObject(f, "reason", d->reason);
		log_emit(LOG_INFO, "webhook attempt failed", f);
	}
	char status[16], max_attempts[16], base_ms[16];
	snprintf(status, sizeof(status), "%d", d->status);
	snprintf(max_attempts, sizeof(max_attempts), "%d", ob->cfg.max_attempts);
	snprintf(base_ms, sizeof(base_ms), "%d", ob->cfg.retry_base_ms);
	const char *values[] = { d->id,
		                 d->attempt,
		                 d->ok ? "true" : "false",
		                 d->status ? status : NULL,
		                 d->ok ? NULL : d->reason,
		                 max_attempts,
		                 base_ms };
	enum db_status refusal;
	if (!db_submit(ob->db, &sql_webhook_record, values, recorded, ob, &refusal))
		log_msg(LOG_WARN, "webhook outcome not recorded",
		        "the database is unavailable: the lease will run out and it is sent again");
	delivery_free(d);
}

/* HMAC-SHA256 of the parts, one after another, keyed by key. */
static void
hmac(const char *key, const char *const *parts, size_t nparts,
     unsigned char out[crypto_auth_hmacsha256_BYTES])
{
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
	for (size_t i = 0; i < nparts; i++)
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)parts[i],
		                              strlen(parts[i]));
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

/*
 * The request target: the URL's path and query, with DingTalk's signature
 * (timestamp in ms, and sign = base64 of HMAC-SHA256(secret, timestamp "\n"
 * secret), URL-encoded) added to the query when the endpoint has its secret.
 */
static char *
request_target(const struct evhttp_uri *uri, const char *dingtalk_secret)
{
	const char *path = evhttp_uri_get_path(uri);
	const char *query = evhttp_uri_get_query(uri);
	struct evbuffer *b = evbuffer_new();
	evbuffer_add_printf(b, "%s", path && *path ? path : "/");
	if (query && *query)
		evbuffer_add_printf(b, "?%s", query);
	if (dingtalk_secret) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		char ms[32];
		snprintf(ms, sizeof(ms), "%lld",
		         (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
		unsigned char mac[crypto_auth_hmacsha256_BYTES];
		const char *parts[] = { ms, "\n", dingtalk_secret };
		hmac(dingtalk_secret, parts, PT_ARRAY_LEN(parts), mac);
		char b64[sodium_base64_ENCODED_LEN(sizeof(mac), sodium_base64_VARIANT_ORIGINAL)];
		sodium_bin2base64(b64, sizeof(b64), mac, sizeof(mac),
		                  sodium_base64_VARIANT_ORIGINAL);
		char *sign = evhttp_uriencode(b64, -1, 0);
		evbuffer_add_printf(b, "%stimestamp=%s&sign=%s", query && *query ? "&" : "?", ms,
		                    sign);
		free(sign);
	}
	size_t len = evbuffer_get_length(b);
	char *out = xmalloc(len + 1);
	evbuffer_remove(b, out, len);
	out[len] = '\0';
	evbuffer_free(b);
	return out;
}

static SSL_CTX *
tls_context(struct outbox *ob)
{
	if (ob->tls)
		return ob->tls;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	ob->tls = ctx;
	return ctx;
}

/* Starts one claimed delivery: row `row` of webhook_claim's result. */
static void
send_one(struct outbox *ob, const PGresult *res, int row)
{
	const char *id = PQgetvalue(res, row, 0), *delivery_id = PQgetvalue(res, row, 1),
	           *attempt = PQgetvalue(res, row, 2), *url = PQgetvalue(res, row, 3),
	           *format = PQgetvalue(res, row, 4), *secret = PQgetvalue(res, row, 5),
	           *dingtalk = PQgetisnull(res, row, 6) ? NULL : PQgetvalue(res, row, 6),
	           *type = PQgetvalue(res, row, 7), *body = PQgetvalue(res, row, 8);
	struct delivery *d = xcalloc(1, sizeof(*d));
	d->ob = ob;
	d->state = D_SENDING;
	snprintf(d->id, sizeof(d->id), "%s", id);
	snprintf(d->attempt, sizeof(d->attempt), "%s", attempt);
	d->robot = strcmp(format, "json") != 0;
	d->https = strncmp(url, "https:", 6) == 0;
	d->finish = event_new(ob->base, -1, 0, finish, d);
	d->deadline = evtimer_new(ob->base, on_deadline, d);
	TAILQ_INSERT_TAIL(&ob->sending, d, link);
	ob->stats.in_flight++;
	ob->stats.attempts++;

	struct evhttp_uri *uri = evhttp_uri_parse(url);
	const char *scheme = uri ? evhttp_uri_get_scheme(uri) : NULL;
	const char *given = uri ? evhttp_uri_get_host(uri) : NULL;
	bool https = scheme && strcmp(scheme, "https") == 0;
	/* An IPv6 address comes in brackets ([::1]): connect to it without them. */
	char host[256] = "";
	if (given) {
		size_t n = strlen(given);
		if (n >= 2 && given[0] == '[' && given[n - 1] == ']' && n - 2 < sizeof(host))
			snprintf(host, sizeof(host), "%.*s", (int)(n - 2), given + 1);
		else if (n < sizeof(host))
			snprintf(host, sizeof(host), "%s", given);
	}
	if (!*host || !scheme || (!https && strcmp(scheme, "http") != 0)) {
		evhttp_uri_free(uri);
		settle(d, false, 0, "the URL is not an http or https URL with a host");
		return;
	}
	int port = evhttp_uri_get_port(uri);
	if (port < 0)
		port = https ? 443 : 80;
	if (https) {
		SSL_CTX *ctx = tls_context(ob);
		SSL *ssl = ctx ? SSL_new(ctx) : NULL;
		if (!ssl) {
			evhttp_uri_free(uri);
			settle(d, false, 0, "TLS could not be set up (no CA certificates?)");
			return;
		}
		/* The certificate must name the host: its DNS name (also sent as SNI), or its
		 * address when the URL gives one. */
		unsigned char addr[16];
		bool literal =
		    inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
		if (literal) {
			X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host);
		} else {
			SSL_set_tlsext_host_name(ssl, host);
			SSL_set1_host(ssl, host);
		}
		struct bufferevent *bev =
		    bufferevent_openssl_socket_new(ob->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
		                                   BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
		d->conn = evhttp_connection_base_bufferevent_new(ob->base, ob->dns, bev, host,
		                                                 (unsigned short)port);
	} else {
		d->conn = evhttp_connection_base_new(ob->base, ob->dns, host, (unsigned short)port);
	}
	struct timeval tv = { .tv_sec = ob->cfg.timeout_ms / 1000,
		              .tv_usec = (ob->cfg.timeout_ms % 1000) * 1000 };
	/* The deadline below is the one that counts; libevent's own is a backstop. */
	struct timeval backstop = { .tv_sec = tv.tv_sec + 1, .tv_usec = tv.tv_usec };
	evhttp_connection_set_timeout_tv(d->conn, &backstop);
	evhttp_connection_set_retries(d->conn, 0);
	evhttp_connection_set_max_body_size(d->conn, MAX_ANSWER_BYTES);
	evhttp_connection_set_max_headers_size(d->conn, 16384);
	evtimer_add(d->deadline, &tv);

	struct evhttp_request *req = evhttp_request_new(on_done, d);
	evhttp_request_set_error_cb(req, on_error);
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	char hostport[300], stamp[32], signature[8 + 2 * crypto_auth_hmacsha256_BYTES + 1];
	if ((https && port == 443) || (!https && port == 80))
		snprintf(hostport, sizeof(hostport), "%s", given);
	else
		snprintf(hostport, sizeof(hostport), "%s:%d", given, port);
	snprintf(stamp, sizeof(stamp), "%lld", (long long)time(NULL));
	/* sha256=hex(HMAC-SHA256(secret, timestamp "." body)): the time is signed too, so an
	 * old delivery cannot be replayed as new by whoever captured it. */
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	const char *parts[] = { stamp, ".", body };
	hmac(secret, parts, PT_ARRAY_LEN(parts), mac);
	memcpy(signature, "sha256=", 7);
	sodium_bin2hex(signature + 7, sizeof(signature) - 7, mac, sizeof(mac));
	evhttp_add_header(h, "Host", hostport);
	evhttp_add_header(h, "Content-Type", "application/json; charset=utf-8");
	evhttp_add_header(h, "User-Agent", "policytrack/" PT_VERSION);
	evhttp_add_header(h, "Connection", "close");
	evhttp_add_header(h, "X-Policytrack-Event", type);
	evhttp_add_header(h, "X-Policytrack-Delivery", delivery_id);
	evhttp_add_header(h, "X-Policytrack-Attempt", attempt);
	evhttp_add_header(h, "X-Policytrack-Timestamp", stamp);
	evhttp_add_header(h, "X-Policytrack-Signature", signature);
	evbuffer_add(evhttp_request_get_output_buffer(req), body, strlen(body));
	char *target =
	    request_target(uri, d->robot && strcmp(format, "dingtalk") == 0 ? dingtalk : NULL);
	evhttp_uri_free(uri);
	/* A failure here may already have called on_done; settle() keeps the first outcome. */
	if (evhttp_make_request(d->conn, req, EVHTTP_REQ_POST, target) != 0)
		settle(d, false, 0, "the request could not be started");
	free(target);
}

static void
claimed(void *arg, const struct db_result *r)
{
	struct outbox *ob = arg;
	ob->claiming = false;
	if (r->status != DB_OK) {
		if (r->status == DB_SQL_ERROR)
			log_msg(LOG_WARN, "webhook claim failed", "%s",
			        PQresultErrorMessage(r->res));
		return;
	}
	for (int i = 0; i < PQntuples(r->res); i++)
		send_one(ob, r->res, i);
}

static void
counted(void *arg, const struct db_result *r)
{
	struct outbox *ob = arg;
	ob->counting = false;
	if (r->status != DB_OK || PQntuples(r->res) != 1)
		return;
	ob->stats.pending = atol(PQgetvalue(r->res, 0, 0));
	ob->stats.parked_now = atol(PQgetvalue(r->res, 0, 1));
}

static void
reminders_enqueued(void *arg, const struct db_result *r)
{
	struct outbox *ob = arg;
	ob->reminding = false;
	if (r->status != DB_OK) {
		log_msg(LOG_WARN, "reminder run failed", "%s",
		        r->status == DB_SQL_ERROR ? PQresultErrorMessage(r->res) : r->message);
		return;
	}
	log_msg(LOG_INFO, "reminder run", "%s reminder deliveries enqueued",
	        PQgetvalue(r->res, 0, 0));
}

static void
reminders_read(void *arg, const struct db_result *r)
{
	struct outbox *ob = arg;
	if (r->status != DB_OK || PQntuples(r->res) != 1 || PQgetisnull(r->res, 0, 0)) {
		ob->reminding = false;
		return;
	}
	const char *values[] = { PQgetvalue(r->res, 0, 0) };
	enum db_status refusal;
	if (!db_submit(ob->db, &sql_webhook_reminders_enqueue, values, reminders_enqueued, ob,
	               &refusal))
		ob->reminding = false;
}

static void
reminders_checked(void *arg, const struct db_result *r)
{
	struct outbox *ob = arg;
	if (r->status != DB_OK || PQntuples(r->res) != 1 ||
	    strcmp(PQgetvalue(r->res, 0, 0), "t") != 0) {
		ob->reminding = false;
		return;
	}
	/* The reminders as GET /api/v1/reminders answers an admin: every agency and province. */
	char days[16];
	snprintf(days, sizeof(days), "%d", ob->cfg.reminder_days);
	const char *values[] = { "admin", NULL, NULL, days, NULL };
	enum db_status refusal;
	if (!db_submit(ob->db, &sql_reminder_list, values, reminders_read, ob, &refusal))
		ob->reminding = false;
}

/*
 * Background work yields to clients: a query of its own is sent only onto an
 * idle connection (each one sent takes one), never into the queue, where it
 * would hold a place (--queue-size) a request needs and make that one wait or 503.
 */
static bool
pool_idle(struct db_pool *db)
{
	struct db_pool_stats pool;
	db_pool_stats(db, &pool);
	return pool.idle > 0;
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct outbox *ob = arg;
	enum db_status refusal;
	if (!ob->claiming && ob->stats.in_flight < ob->cfg.max_in_flight && pool_idle(ob->db)) {
		char limit[24], lease[24];
		snprintf(limit, sizeof(limit), "%ld", ob->cfg.max_in_flight - ob->stats.in_flight);
		/* Longer than an attempt and its record can take, so no one else sends it
		 * meanwhile. */
		snprintf(lease, sizeof(lease), "%d", ob->cfg.timeout_ms + 30000);
		const char *values[] = { limit, lease };
		ob->claiming = db_submit(ob->db, &sql_webhook_claim, values, claimed, ob, &refusal);
	}
	if (!ob->counting && pool_idle(ob->db))
		ob->counting = db_submit(ob->db, &sql_webhook_counts, NULL, counted, ob, &refusal);
	uint64_t now = pt_monotonic_ns();
	if (!ob->reminding && pool_idle(ob->db) &&
	    (ob->reminder_checked_ns == 0 || now - ob->reminder_checked_ns >= REMINDER_CHECK_NS)) {
		ob->reminder_checked_ns = now;
		const char *values[] = { ob->reminder_time };
		ob->reminding = db_submit(ob->db, &sql_webhook_reminders_due, values,
		                          reminders_checked, ob, &refusal);
	}
}

struct outbox *
outbox_new(struct event_base *base, struct db_pool *db, const struct outbox_config *cfg)
{
	struct outbox *ob = xcalloc(1, sizeof(*ob));
	ob->base = base;
	ob->db = db;
	ob->cfg = *cfg;
	snprintf(ob->reminder_time, sizeof(ob->reminder_time), "%s", cfg->reminder_time);
	ob->cfg.reminder_time = ob->reminder_time;
	ob->stats.pending = -1;
	TAILQ_INIT(&ob->sending);
	/* Names are resolved by evdns on the loop: evhttp would otherwise call getaddrinfo. */
	ob->dns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
	                                   EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	if (!ob->dns)
		ob->dns = evdns_base_new(base, EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	ob->tick = event_new(base, -1, EV_PERSIST, on_tick, ob);
	struct timeval tv = { .tv_sec = cfg->poll_ms / 1000,
		              .tv_usec = (cfg->poll_ms % 1000) * 1000 };
	event_add(ob->tick, &tv);
	return ob;
}

void
outbox_free(struct outbox *ob)
{
	if (!ob)
		return;
	event_free(ob->tick);
	struct delivery *d;
	while ((d = TAILQ_FIRST(&ob->sending))) {
		TAILQ_REMOVE(&ob->sending, d, link);
		delivery_free(d);
	}
	if (ob->dns)
		evdns_base_free(ob->dns, 0);
	SSL_CTX_free(ob->tls);
	free(ob);
}

void
outbox_stats(const struct outbox *ob, struct outbox_stats *out)
{
	*out = ob->stats;
}

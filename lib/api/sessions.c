#include "api/sessions.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <event2/event.h>
#include <event2/http.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "api/auth.h"
#include "api/refusal.h"
#include "core/app.h"
#include "core/config.h"
#include "core/hasher.h"
#include "core/log.h"
#include "core/password.h"
#include "core/util.h"
#include "http/json_body.h"
#include "http/metrics.h"
#include "http/server.h"
#include "pg/sql_names.h"

/* One sign-in, from the request through the hash helper and back. */
struct login {
	struct http_ctx *ctx; /* NULL once the request is gone */
	bool in_hasher;
	char *username, *password;
	char *user_id; /* NULL: no such user */
	char *attempt_id;
	char *stored_hash;
	bool disabled;
	/* The hash helper's answer. */
	bool verified;
	bool lost; /* no answer: the helper died, or the daemon is stopping */
	bool rehashed;
	char new_hash[PASSWORD_HASH_MAX];
	char token[TOKEN_TEXT_MAX]; /* issued on success, shown once */
	bool cookie;                /* hand it over as the console's HttpOnly cookie instead */
	char client[INET6_ADDRSTRLEN];
	bool have_client;
	struct event *again; /* asks login_begin() again while it answers sign_in_busy */
	uint64_t wait_until; /* monotonic ns: then sign_in_busy is the answer */
};

/* How long a sign-in waits for the checks under way, and how often it asks. */
enum { BUSY_WAIT_MS = 30000, BUSY_POLL_MS = 50 };

/* login_begin's columns after (outcome, reason, field, detail); login_finish's. */
enum {
	BEGIN_USER_ID = 4,
	BEGIN_PASSWORD_HASH,
	BEGIN_DISABLED,
	BEGIN_ATTEMPT_ID,
	BEGIN_RETRY_AFTER,
	FINISH_BODY = 4,
	FINISH_RETRY_AFTER,
	FAIL_RETRY_AFTER = 4,
};

static void
login_free(struct login *l)
{
	if (l->password) {
		sodium_memzero(l->password, strlen(l->password));
		free(l->password);
	}
	free(l->username);
	free(l->user_id);
	free(l->attempt_id);
	free(l->stored_hash);
	if (l->again)
		event_free(l->again);
	sodium_memzero(l->token, sizeof(l->token));
	free(l);
}

/* ctx's state_free: a login out at the hasher is freed when it comes back. */
static void
login_release(void *state)
{
	struct login *l = state;
	l->ctx = NULL;
	if (!l->in_hasher)
		login_free(l);
}

/*
 * Refused by the throttle (too_many_attempts: with when to retry) or as a
 * wrong password; counted as such. True when it was refused.
 */
static bool
login_refused(struct http_ctx *ctx, const struct db_result *r, int retry_column)
{
	if (!PQgetisnull(r->res, 0, retry_column))
		http_set_header(ctx, "Retry-After", PQgetvalue(r->res, 0, retry_column));
	bool throttled = !PQgetisnull(r->res, 0, 1) &&
	                 strcmp(PQgetvalue(r->res, 0, 1), "too_many_attempts") == 0;
	struct metrics *m = ctx->app->metrics; /* the reply frees ctx */
	if (!api_refused(ctx, r->res, 0))
		return false;
	metrics_count_login(m, throttled ? "throttled" : "failure");
	return true;
}

/* A wrong password, recorded as a failure by login_fail(): always refused. */
static void
failed(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	if (!login_refused(ctx, r, FAIL_RETRY_AFTER))
		abort(); /* login_fail() never answers ok */
}

static void
signed_in(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	/*
	 * Refused when the throttle's limits were met while the password was
	 * checked, or the account changed (password, disabled) meanwhile.
	 */
	if (login_refused(ctx, r, FINISH_RETRY_AFTER))
		return;
	metrics_count_login(ctx->app->metrics, "success");
	struct login *l = ctx->state;
	cJSON *body = cJSON_Parse(PQgetvalue(r->res, 0, FINISH_BODY));
	if (!body)
		abort();
	if (l->cookie) {
		/* Scripts never see it: the browser sends it back, only to this server. */
		char cookie[TOKEN_TEXT_MAX + 160];
		const char *proto = evhttp_find_header(evhttp_request_get_input_headers(ctx->req),
		                                       "X-Forwarded-Proto");
		snprintf(cookie, sizeof(cookie),
		         SESSION_COOKIE "=%s; Path=/; Max-Age=%ld; HttpOnly; "
		                        "SameSite=Strict%s",
		         l->token, ctx->app->cfg->session_ttl_s,
		         proto && strcasecmp(proto, "https") == 0 ? "; Secure" : "");
		http_set_header(ctx, "Set-Cookie", cookie);
		sodium_memzero(cookie, sizeof(cookie));
		/* Readable by the page, and no secret: it only says a session cookie was set. */
		snprintf(cookie, sizeof(cookie),
		         "pt_signed_in=1; Path=/; Max-Age=%ld; SameSite=Strict%s",
		         ctx->app->cfg->session_ttl_s,
		         proto && strcasecmp(proto, "https") == 0 ? "; Secure" : "");
		http_set_header(ctx, "Set-Cookie", cookie);
		cJSON_ReplaceItemInObject(body, "token_type", cJSON_CreateString("Cookie"));
	} else {
		/* The token is in this answer and nowhere else: only its hash was stored. */
		cJSON_AddStringToObject(body, "token", l->token);
	}
	sodium_memzero(l->token, sizeof(l->token));
	http_set_header(ctx, "Cache-Control", "no-store");
	http_reply_json(ctx, 201, body);
}

/* The hash helper's answer; an unknown user was checked against its dummy hash. */
static void
verify_done(void *arg, const struct hasher_reply *reply)
{
	struct login *l = arg;
	l->in_hasher = false;
	struct http_ctx *ctx = l->ctx;
	if (!ctx) {
		login_free(l);
		return;
	}
	l->verified = reply->outcome == HASH_MATCH && l->user_id;
	if (l->verified && reply->hash && strlen(reply->hash) < sizeof(l->new_hash)) {
		memcpy(l->new_hash, reply->hash, strlen(reply->hash) + 1);
		l->rehashed = true;
	}
	if (reply->outcome == HASH_LOST || reply->outcome == HASH_FAILED) {
		/* Neither right nor wrong: not counted, and the client may simply try again. */
		http_reply_unavailable(ctx, 1, "overloaded", NULL,
		                       "the password could not be checked; retry shortly");
		return;
	}
	if (!l->verified || l->disabled) {
		const char *values[] = { l->attempt_id };
		http_query(ctx, &sql_login_fail, values, failed);
		return;
	}
	char hash[TOKEN_HASH_HEX], ttl[24];
	auth_token_new(l->token, hash);
	snprintf(ttl, sizeof(ttl), "%ld", ctx->app->cfg->session_ttl_s);
	const char *values[] = {
		l->user_id,    hash, ttl, l->attempt_id, l->rehashed ? l->new_hash : NULL,
		l->stored_hash
	};
	http_query(ctx, &sql_login_finish, values, signed_in);
}

static void looked_up(struct http_ctx *ctx, const struct db_result *r);

static void
begin(struct http_ctx *ctx)
{
	struct login *l = ctx->state;
	const char *values[] = { l->username, l->have_client ? l->client : NULL };
	http_query(ctx, &sql_login_begin, values, looked_up);
}

static void
ask_again(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	begin(arg);
}

static void
looked_up(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	struct login *l = ctx->state;
	struct metrics *m = ctx->app->metrics;
	/*
	 * Checks of this username under way would reach a limit if they all
	 * failed: wait for them (they are usually the same client's correct
	 * sign-ins) rather than refuse, up to BUSY_WAIT_MS.
	 */
	if (!PQgetisnull(r->res, 0, 1) && strcmp(PQgetvalue(r->res, 0, 1), "sign_in_busy") == 0 &&
	    pt_monotonic_ns() < l->wait_until) {
		if (!l->again)
			l->again = evtimer_new(ctx->app->base, ask_again, ctx);
		struct timeval tv = { 0, BUSY_POLL_MS * 1000 };
		evtimer_add(l->again, &tv);
		return;
	}
	/* The throttle's only refusal says when the window reopens. */
	if (!PQgetisnull(r->res, 0, BEGIN_RETRY_AFTER))
		http_set_header(ctx, "Retry-After", PQgetvalue(r->res, 0, BEGIN_RETRY_AFTER));
	if (api_refused(ctx, r->res, 0)) {
		metrics_count_login(m, "throttled");
		return;
	}
	l->attempt_id = xstrdup(PQgetvalue(r->res, 0, BEGIN_ATTEMPT_ID));
	if (!PQgetisnull(r->res, 0, BEGIN_USER_ID)) {
		l->user_id = xstrdup(PQgetvalue(r->res, 0, BEGIN_USER_ID));
		l->stored_hash = xstrdup(PQgetvalue(r->res, 0, BEGIN_PASSWORD_HASH));
		l->disabled = strcmp(PQgetvalue(r->res, 0, BEGIN_DISABLED), "t") == 0;
	}
	l->in_hasher = true;
	if (!hasher_verify(ctx->app->hasher, l->stored_hash, l->password, verify_done, l)) {
		l->in_hasher = false;
		http_reply_unavailable(ctx, 1, "overloaded", NULL,
		                       "too many sign-ins are being checked; retry shortly");
	}
}

/*
 * The address sign-ins are counted under: the connection's peer, as text
 * (an IPv4 address that came over IPv6 as ::ffff:a.b.c.d as a.b.c.d). No
 * X-Forwarded-For: without a proxy this server trusts, anyone could send one.
 */
static bool
client_address(struct http_ctx *ctx, char *out, size_t outlen)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(ctx->req);
	const struct sockaddr *sa = evcon ? evhttp_connection_get_addr(evcon) : NULL;
	if (!sa)
		return false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		return inet_ntop(AF_INET, &in->sin_addr, out, (socklen_t)outlen) != NULL;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
			return inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], out,
			                 (socklen_t)outlen) != NULL;
		return inet_ntop(AF_INET6, &in6->sin6_addr, out, (socklen_t)outlen) != NULL;
	}
	return false;
}

void
api_sessions_create(struct http_ctx *ctx)
{
	cJSON *body = json_body_parse(ctx);
	if (!body)
		return;
	struct json_fields f;
	json_fields_init(&f, body);
	const char *username = NULL, *password = NULL, *session = NULL;
	json_field_string(&f, "username", true, 200, &username);
	json_field_string(&f, "password", true, PASSWORD_MAX_BYTES, &password);
	if (json_field_string(&f, "session", false, 16, &session) && session &&
	    strcmp(session, "cookie") != 0 && strcmp(session, "token") != 0)
		json_fields_error(&f, "session", "must be \"token\" (the default) or \"cookie\"");
	static const char *const allowed[] = { "username", "password", "session", NULL };
	json_fields_reject_unknown(&f, allowed);
	if (json_fields_failed(ctx, &f)) {
		cJSON_Delete(body);
		return;
	}
	struct login *l = xcalloc(1, sizeof(*l));
	l->have_client = client_address(ctx, l->client, sizeof(l->client));
	l->wait_until = pt_monotonic_ns() + (uint64_t)BUSY_WAIT_MS * 1000000u;
	l->ctx = ctx;
	l->username = xstrdup(username);
	l->password = xstrdup(password);
	l->cookie = session && strcmp(session, "cookie") == 0;
	cJSON_Delete(body);
	ctx->state = l;
	ctx->state_free = login_release;
	begin(ctx);
}

static void
revoked(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	if (api_refused(ctx, r->res, 0))
		return;
	if (ctx->via_cookie) {
		http_set_header(ctx, "Set-Cookie",
		                SESSION_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
		http_set_header(ctx, "Set-Cookie",
		                "pt_signed_in=; Path=/; Max-Age=0; SameSite=Strict");
	}
	http_reply_buffer(ctx, 204, NULL, NULL);
}

void
api_sessions_delete_current(struct http_ctx *ctx)
{
	const char *values[] = { ctx->caller.token_id };
	http_query(ctx, &sql_session_close, values, revoked);
}

void
api_me(struct http_ctx *ctx)
{
	const struct caller *c = &ctx->caller;
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "username", c->username);
	cJSON_AddStringToObject(body, "display_name", c->display_name);
	cJSON_AddStringToObject(body, "role", role_name(c->role));
	if (c->agency[0])
		cJSON_AddStringToObject(body, "agency", c->agency);
	else
		cJSON_AddNullToObject(body, "agency");
	if (c->province[0])
		cJSON_AddStringToObject(body, "province", c->province);
	else
		cJSON_AddNullToObject(body, "province");
	if (c->node[0])
		cJSON_AddStringToObject(body, "node", c->node);
	else
		cJSON_AddNullToObject(body, "node");
	cJSON *token = cJSON_AddObjectToObject(body, "token");
	cJSON_AddStringToObject(token, "kind", c->token_kind);
	cJSON_AddStringToObject(token, "expires_at", c->token_expires_at);
	cJSON_AddItemToObject(body, "permissions", auth_permissions(ctx, c->role));
	/* The zone whose dates deadlines are, for the console to name (北京时间). */
	cJSON_AddStringToObject(body, "time_zone", ctx->app->cfg->time_zone);
	/* The password's age, and the rules a new one must meet, for the console to tell. */
	const struct config *cfg = ctx->app->cfg;
	cJSON *pw = cJSON_AddObjectToObject(body, "password");
	cJSON_AddBoolToObject(pw, "expired", c->password_expired);
	if (c->password_expires_at[0])
		cJSON_AddStringToObject(pw, "expires_at", c->password_expires_at);
	else
		cJSON_AddNullToObject(pw, "expires_at");
	cJSON_AddNumberToObject(pw, "min_length", (double)cfg->password_min_length);
	cJSON_AddNumberToObject(pw, "min_classes", (double)cfg->password_min_classes);
	cJSON_AddNumberToObject(pw, "max_age_days", (double)cfg->password_max_age_days);
	cJSON_AddNumberToObject(pw, "history", (double)cfg->password_history);
	cJSON_AddNumberToObject(token, "idle_timeout_s", (double)c->idle_s);
	cJSON_AddStringToObject(body, "classification_max", cfg->classification_max);
	http_reply_json(ctx, 200, body);
}

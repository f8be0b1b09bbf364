#include "api/auth.h"

#include <cjson/cJSON.h>
#include <event2/http.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cache/caches.h"
#include "core/app.h"
#include "core/util.h"
#include "pg/replica.h"
#include "http/server.h"
#include "pg/sql_names.h"

void
auth_token_new(char token[TOKEN_TEXT_MAX], char hash[TOKEN_HASH_HEX])
{
	unsigned char raw[TOKEN_RANDOM_BYTES];
	randombytes_buf(raw, sizeof(raw));
	memcpy(token, TOKEN_PREFIX, strlen(TOKEN_PREFIX));
	sodium_bin2base64(token + strlen(TOKEN_PREFIX), TOKEN_TEXT_MAX - strlen(TOKEN_PREFIX), raw,
	                  sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	if (!auth_token_hash(token, hash))
		abort();
}

bool
auth_token_hash(const char *token, char hash[TOKEN_HASH_HEX])
{
	size_t prefix = strlen(TOKEN_PREFIX);
	size_t want = prefix +
	              sodium_base64_ENCODED_LEN(TOKEN_RANDOM_BYTES,
	                                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) -
	              1;
	if (strlen(token) != want || strncmp(token, TOKEN_PREFIX, prefix) != 0)
		return false;
	for (const char *c = token + prefix; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
			return false;
	/* Tokens carry 256 random bits, so a fast hash is enough to make a stolen table useless. */
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(digest, (const unsigned char *)token, strlen(token));
	sodium_bin2hex(hash, TOKEN_HASH_HEX, digest, sizeof(digest));
	return true;
}

static void
unauthorized(struct http_ctx *ctx, bool token_given, const char *detail)
{
	http_set_header(ctx, "WWW-Authenticate",
	                token_given ? "Bearer realm=\"policytrack\", error=\"invalid_token\""
	                            : "Bearer realm=\"policytrack\"");
	http_reply_problem(ctx, 401, "unauthorized", NULL, detail, NULL);
}

static void
copy_field(char *dst, size_t dstlen, PGresult *res, int col)
{
	snprintf(dst, dstlen, "%s", PQgetisnull(res, 0, col) ? "" : PQgetvalue(res, 0, col));
}

static void
cancel_wait(void *w)
{
	replica_wait_cancel(w);
}

static void
replica_ready(void *arg, struct db_pool *pool)
{
	struct http_ctx *ctx = arg;
	ctx->state = NULL; /* the wait is over: the replica module frees it */
	ctx->state_free = NULL;
	ctx->replica_pool = pool;
	ctx->match.route->handler(ctx);
}

/* The caller is known: refuse what its role may not do, else run the handler. */
static void
authorize_and_handle(struct http_ctx *ctx)
{
	const struct caller *c = &ctx->caller;
	const struct route *route = ctx->match.route;
	if (!(route->access & c->role)) {
		char detail[160];
		snprintf(detail, sizeof(detail), "the %s role may not %s %s", role_name(c->role),
		         http_method_name(ctx->method == METHOD_HEAD ? METHOD_GET : ctx->method),
		         route->pattern);
		http_reply_problem(ctx, 403, "forbidden", NULL, detail, NULL);
		return;
	}
	if (c->password_expired && !(route->access & ACCESS_EXPIRED_OK)) {
		char detail[240];
		snprintf(detail, sizeof(detail),
		         "your password expired at %s: change it with PUT /api/v1/me/password; "
		         "until then only that, GET /api/v1/me and signing out are open",
		         c->password_expires_at);
		http_reply_problem(ctx, 403, "password-expired", "Password expired", detail, NULL);
		return;
	}
	struct replica *replica = ctx->app->replica;
	if (replica && (route->access & ACCESS_REPLICA) && ctx->method == METHOD_GET) {
		/* First a probe begun now: the replica only if it has every acknowledged commit. */
		struct replica_wait *w = replica_wait(replica, replica_ready, ctx);
		if (w) {
			ctx->state = w;
			ctx->state_free = cancel_wait;
			return;
		}
	}
	route->handler(ctx);
}

/*
 * Keeps the identity for the token's next request, no longer than the token
 * lives: left_s is the whole seconds it has left by the database's clock.
 */
static void
remember_caller(struct http_ctx *ctx, long long left_s)
{
	struct caches *caches = ctx->app->caches;
	if (!caches || left_s <= 0)
		return;
	uint64_t deadline = caches_deadline(caches);
	uint64_t token_deadline = pt_monotonic_ns() + (uint64_t)left_s * 1000000000u;
	if (token_deadline < deadline)
		deadline = token_deadline;
	/*
	 * Requests answered from the cache do not touch the session's last use,
	 * so a session's identity is kept no longer than the database's touch
	 * interval (a twentieth of the idle time, at most 15 s): the session is
	 * then signed out at most that much early, never late.
	 */
	if (ctx->caller.idle_s > 0) {
		uint64_t step_ms = (uint64_t)ctx->caller.idle_s * 50u;
		if (step_ms > 15000u)
			step_ms = 15000u;
		uint64_t idle_deadline = pt_monotonic_ns() + step_ms * 1000000u;
		if (idle_deadline < deadline)
			deadline = idle_deadline;
	}
	answer_cache_put(caches->tokens, ctx->token_hash, ctx->token_generation, deadline,
	                 &ctx->caller, sizeof(ctx->caller));
}

static void
auth_done(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	if (PQntuples(r->res) != 1) {
		unauthorized(ctx, true,
		             "the token is unknown, expired or revoked, or its user is disabled; "
		             "sign in again");
		return;
	}
	struct caller *c = &ctx->caller;
	copy_field(c->user_id, sizeof(c->user_id), r->res, 0);
	copy_field(c->username, sizeof(c->username), r->res, 1);
	copy_field(c->display_name, sizeof(c->display_name), r->res, 2);
	c->role = role_from_name(PQgetvalue(r->res, 0, 3));
	copy_field(c->agency, sizeof(c->agency), r->res, 4);
	copy_field(c->province, sizeof(c->province), r->res, 5);
	copy_field(c->token_id, sizeof(c->token_id), r->res, 6);
	copy_field(c->token_kind, sizeof(c->token_kind), r->res, 7);
	copy_field(c->token_expires_at, sizeof(c->token_expires_at), r->res, 8);
	const char *state = PQgetvalue(r->res, 0, 10);
	copy_field(c->password_expires_at, sizeof(c->password_expires_at), r->res, 11);
	c->idle_s = strtol(PQgetvalue(r->res, 0, 12), NULL, 10);
	if (strcmp(state, "idle") == 0) {
		char detail[200];
		snprintf(detail, sizeof(detail),
		         "the session ended after %ld seconds without use (--session-idle-s); "
		         "sign in again",
		         c->idle_s);
		unauthorized(ctx, true, detail);
		return;
	}
	c->password_expired = strcmp(state, "password_expired") == 0;
	copy_field(c->node, sizeof(c->node), r->res, 13);
	c->known = c->role != 0;
	if (!c->known) {
		unauthorized(ctx, true, "the token's user has no valid role");
		return;
	}
	remember_caller(ctx, strtoll(PQgetvalue(r->res, 0, 9), NULL, 10));
	authorize_and_handle(ctx);
}

/* The value of cookie `name` in a Cookie header (RFC 6265 5.4), copied into out; false if absent.
 */
static bool
cookie_value(const char *header, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name);
	for (const char *p = header; p && *p;) {
		p += strspn(p, " \t;");
		if (strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			const char *v = p + nlen + 1;
			size_t len = strcspn(v, ";");
			while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
				len--;
			if (len >= outlen)
				return false;
			memcpy(out, v, len);
			out[len] = '\0';
			return true;
		}
		p = strchr(p, ';');
	}
	return false;
}

/*
 * A write carried by the session cookie must come from a page of this server:
 * browsers send Origin with every such request, and another site's page cannot
 * forge it (CSRF). The origin is compared with the Host the request names.
 */
static bool
same_origin(struct http_ctx *ctx)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(ctx->req);
	const char *origin = evhttp_find_header(in, "Origin");
	const char *host = evhttp_find_header(in, "Host");
	if (!origin || !host)
		return false;
	const char *rest = strncmp(origin, "http://", 7) == 0    ? origin + 7
	                   : strncmp(origin, "https://", 8) == 0 ? origin + 8
	                                                         : NULL;
	return rest && strcasecmp(rest, host) == 0;
}

void
auth_then_handle(struct http_ctx *ctx)
{
	const struct route *route = ctx->match.route;
	if (route->access & ACCESS_PUBLIC) {
		route->handler(ctx);
		return;
	}
	struct evkeyvalq *in = evhttp_request_get_input_headers(ctx->req);
	const char *header = evhttp_find_header(in, "Authorization");
	const char *cookies = header ? NULL : evhttp_find_header(in, "Cookie");
	char *hash = ctx->token_hash;
	char token[TOKEN_TEXT_MAX];
	if (!header && cookies && cookie_value(cookies, SESSION_COOKIE, token, sizeof(token))) {
		if (!auth_token_hash(token, hash)) {
			unauthorized(ctx, true, "the session cookie is not one this server issued");
			return;
		}
		ctx->via_cookie = true;
		bool safe = ctx->method == METHOD_GET || ctx->method == METHOD_HEAD ||
		            ctx->method == METHOD_OPTIONS;
		if (!safe && !same_origin(ctx)) {
			http_reply_problem(
			    ctx, 403, "cross-origin", NULL,
			    "a change carried by the session cookie must come from this "
			    "server's own pages (its Origin header did not match)",
			    NULL);
			return;
		}
	} else if (!header) {
		unauthorized(ctx, false,
		             "this resource needs a bearer token: POST /api/v1/sessions");
		return;
	} else if (strncasecmp(header, "Bearer ", 7) != 0 || !auth_token_hash(header + 7, hash)) {
		unauthorized(ctx, true,
		             "the Authorization header is not 'Bearer <token>' with a "
		             "token this server issued");
		return;
	}
	struct caches *caches = ctx->app->caches;
	if (caches && caches_fresh(caches)) {
		size_t len;
		const void *known = answer_cache_get(caches->tokens, hash, &len);
		if (known && len == sizeof(ctx->caller)) {
			memcpy(&ctx->caller, known, sizeof(ctx->caller));
			authorize_and_handle(ctx);
			return;
		}
		ctx->token_generation = answer_cache_generation(caches->tokens);
	}
	const char *values[] = { hash };
	http_query(ctx, &sql_token_caller, values, auth_done);
}

cJSON *
auth_permissions(const struct http_ctx *ctx, enum role role)
{
	size_t routes_count;
	const struct route *routes = http_server_routes(ctx->srv, &routes_count);
	cJSON *list = cJSON_CreateArray();
	for (size_t i = 0; i < routes_count; i++) {
		if (!(routes[i].access & (unsigned)role) || (routes[i].access & ACCESS_PUBLIC))
			continue;
		char line[160];
		snprintf(line, sizeof(line), "%s %s", http_method_name(routes[i].method),
		         routes[i].pattern);
		cJSON_AddItemToArray(list, cJSON_CreateString(line));
	}
	return list;
}

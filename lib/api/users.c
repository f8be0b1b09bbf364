#include "api/users.h"

#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "api/params.h"
#include "api/read.h"
#include "api/refusal.h"
#include "core/app.h"
#include "core/config.h"
#include "core/hasher.h"
#include "core/password.h"
#include "core/user_rules.h"
#include "http/json_body.h"
#include "http/server.h"
#include "pg/sql_names.h"

/* The column of a write's JSON answer, after (outcome, reason, field, detail). */
#define WRITE_BODY 4

/* Checks that a role and its scope fit together, recording what does not. */
static void
check_scope(struct json_fields *f, const char *role, const char *agency, const char *province)
{
	const char *field;
	const char *why = user_scope_error(role, agency, province, &field);
	if (why)
		json_fields_error(f, field, why);
}

/* A user write waiting for its password hash; the request's state. */
struct user_write {
	struct http_ctx *ctx; /* NULL once the request is gone */
	bool in_hasher;
	cJSON *body;
	char *password; /* NULL: no password in this write */
	char *current;  /* the self-service change: the current password, to verify */
	/* The user's recent hashes (password_recent.sql): the new password must match none. */
	char **recent;
	int recent_count;
	char *current_hash; /* the one the current password is verified against */
	bool check_history;
	char hash[PASSWORD_HASH_MAX]; /* the hash helper's */
	void (*then)(struct http_ctx *ctx, struct user_write *w);
};

static void
user_write_free(struct user_write *w)
{
	if (w->password) {
		sodium_memzero(w->password, strlen(w->password));
		free(w->password);
	}
	if (w->current) {
		sodium_memzero(w->current, strlen(w->current));
		free(w->current);
	}
	for (int i = 0; i < w->recent_count; i++)
		free(w->recent[i]);
	free(w->recent);
	free(w->current_hash);
	cJSON_Delete(w->body);
	sodium_memzero(w->hash, sizeof(w->hash));
	free(w);
}

static void
user_write_release(void *state)
{
	struct user_write *w = state;
	w->ctx = NULL;
	if (!w->in_hasher)
		user_write_free(w);
}

/* A field's problem answered as json_body answers a bad field: 400 validation. */
static void
reply_field(struct http_ctx *ctx, const char *field, const char *why)
{
	struct json_fields f = { .obj = NULL, .errors = cJSON_CreateObject() };
	json_fields_error(&f, field, why);
	(void)json_fields_failed(ctx, &f);
}

static void
hash_done(void *arg, const struct hasher_reply *reply)
{
	struct user_write *w = arg;
	w->in_hasher = false;
	if (!w->ctx) {
		user_write_free(w);
		return;
	}
	if (reply->outcome == HASH_LOST) {
		http_reply_unavailable(w->ctx, 1, "overloaded", NULL,
		                       "the password could not be hashed; retry shortly");
		return;
	}
	if (reply->outcome == HASH_CURRENT_WRONG) {
		reply_field(w->ctx, "current_password", "is wrong");
		return;
	}
	if (reply->outcome == HASH_REUSED) {
		char why[160];
		snprintf(why, sizeof(why),
		         "must differ from your last %ld passwords (the current one included)",
		         w->ctx->app->cfg->password_history);
		reply_field(w->ctx, w->current ? "new_password" : "password", why);
		return;
	}
	if (reply->outcome != HASH_HASHED || !reply->hash ||
	    strlen(reply->hash) >= sizeof(w->hash)) {
		struct db_result r = { .status = DB_OVERLOADED };
		http_reply_db_failure(w->ctx, &r);
		return;
	}
	memcpy(w->hash, reply->hash, strlen(reply->hash) + 1);
	w->then(w->ctx, w);
}

static void
hash_submit(struct http_ctx *ctx, struct user_write *w)
{
	w->in_hasher = true;
	if (!hasher_new_password(ctx->app->hasher, w->password, w->current, w->current_hash,
	                         w->recent, w->check_history ? w->recent_count : 0, hash_done, w)) {
		w->in_hasher = false;
		http_reply_unavailable(ctx, 1, "overloaded", NULL,
		                       "too many passwords are being hashed; retry shortly");
	}
}

/* password_recent.sql's answer: the hashes to check, then off to a hash helper. */
static void
recent_read(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	struct user_write *w = ctx->state;
	int n = PQntuples(r->res);
	w->recent = xcalloc((size_t)n + 1, sizeof(*w->recent));
	for (int i = 0; i < n; i++) {
		w->recent[w->recent_count++] = xstrdup(PQgetvalue(r->res, i, 0));
		if (strcmp(PQgetvalue(r->res, i, 1), "t") == 0 && !w->current_hash)
			w->current_hash = xstrdup(PQgetvalue(r->res, i, 0));
	}
	hash_submit(ctx, w);
}

/*
 * Takes body; hashes the password (if any) off the loop, then calls then.
 * With username, the password is a new one for that existing user: it is
 * first checked against the user's recent passwords (--password-history),
 * and, with current, current against the password the user has now.
 */
static struct user_write *
user_write_start(struct http_ctx *ctx, cJSON *body, const char *password, const char *username,
                 const char *current, void (*then)(struct http_ctx *, struct user_write *))
{
	struct user_write *w = xcalloc(1, sizeof(*w));
	w->ctx = ctx;
	w->body = body;
	w->password = password ? xstrdup(password) : NULL;
	w->current = current ? xstrdup(current) : NULL;
	w->check_history = ctx->app->cfg->password_history > 0;
	w->then = then;
	ctx->state = w;
	ctx->state_free = user_write_release;
	if (!w->password) {
		then(ctx, w);
		return w;
	}
	if (username) {
		const char *values[] = { username };
		http_query(ctx, &sql_password_recent, values, recent_read);
		return w;
	}
	hash_submit(ctx, w);
	return w;
}

/* The deployment's --password-min-length and --password-min-classes. */
static struct password_rules
rules_of(const struct http_ctx *ctx)
{
	struct password_rules r = { ctx->app->cfg->password_min_length,
		                    ctx->app->cfg->password_min_classes };
	return r;
}

static const char *
str_or_null(cJSON *body, const char *name)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void
created(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	if (api_refused(ctx, r->res, 0))
		return;
	struct user_write *w = ctx->state;
	char location[128];
	snprintf(location, sizeof(location), "/api/v1/users/%s", str_or_null(w->body, "username"));
	http_set_header(ctx, "Location", location);
	cJSON *body = cJSON_Parse(PQgetvalue(r->res, 0, WRITE_BODY));
	if (!body)
		abort();
	http_reply_json(ctx, 201, body);
}

static void
insert_user(struct http_ctx *ctx, struct user_write *w)
{
	const char *values[] = {
		str_or_null(w->body, "username"), str_or_null(w->body, "display_name"),
		str_or_null(w->body, "role"),     str_or_null(w->body, "agency"),
		str_or_null(w->body, "province"), w->hash
	};
	http_query(ctx, &sql_user_create, values, created);
}

void
api_users_create(struct http_ctx *ctx)
{
	cJSON *body = json_body_parse(ctx);
	if (!body)
		return;
	struct json_fields f;
	json_fields_init(&f, body);
	const char *username = NULL, *display = NULL, *role = NULL, *agency = NULL,
	           *province = NULL, *password = NULL;
	bool agency_null = true, province_null = true;
	if (json_field_string(&f, "username", true, 64, &username) &&
	    !user_username_valid(username))
		json_fields_error(&f, "username",
		                  "must be 3-64 of a-z 0-9 . _ -, starting with a letter or digit");
	json_field_string(&f, "display_name", true, 200, &display);
	json_field_string(&f, "role", true, 16, &role);
	if (json_field_nullable_string(&f, "agency", 8, &agency, &agency_null) && agency &&
	    !user_agency_code_like(agency))
		json_fields_error(&f, "agency", "must be an agency code such as sipo");
	if (json_field_nullable_string(&f, "province", 5, &province, &province_null) && province &&
	    !user_province_code_like(province))
		json_fields_error(&f, "province", "must be a province code such as CN-LN");
	char policy[200];
	struct password_rules rules = rules_of(ctx);
	if (json_field_string(&f, "password", true, PASSWORD_MAX_BYTES, &password)) {
		const char *why = password_policy_error(password, &rules, policy, sizeof(policy));
		if (why)
			json_fields_error(&f, "password", why);
	}
	if (role)
		check_scope(&f, role, agency, province);
	static const char *const allowed[] = { "username", "display_name", "role", "agency",
		                               "province", "password",     NULL };
	json_fields_reject_unknown(&f, allowed);
	if (json_fields_failed(ctx, &f)) {
		cJSON_Delete(body);
		return;
	}
	user_write_start(ctx, body, password, NULL, NULL, insert_user);
}

static const struct api_param list_params[] = {
	{ "limit", PARAM_LIMIT },
	{ "cursor", PARAM_CURSOR },
};

void
api_users_list(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, list_params, PT_ARRAY_LEN(list_params), &q))
		return;
	const char *values[] = { api_query_after(&q), q.limit_text };
	api_read_page(ctx, &q, &sql_user_list, values);
}

void
api_users_get(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, NULL, 0, &q))
		return;
	const char *username = route_match_param(&ctx->match, "username");
	const char *values[] = { username };
	api_read_object(ctx, &sql_user_get, values, "user", username);
}

static void
updated(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	if (api_refused(ctx, r->res, 0))
		return;
	cJSON *body = cJSON_Parse(PQgetvalue(r->res, 0, WRITE_BODY));
	if (!body)
		abort();
	http_reply_json(ctx, 200, body);
}

static void
update_user(struct http_ctx *ctx, struct user_write *w)
{
	cJSON *b = w->body;
	cJSON *disabled = cJSON_GetObjectItemCaseSensitive(b, "disabled");
	bool has_agency = cJSON_GetObjectItemCaseSensitive(b, "agency") != NULL;
	bool has_province = cJSON_GetObjectItemCaseSensitive(b, "province") != NULL;
	const char *values[] = {
		route_match_param(&ctx->match, "username"),
		str_or_null(b, "display_name"),
		str_or_null(b, "role"),
		has_agency ? "true" : "false",
		str_or_null(b, "agency"),
		has_province ? "true" : "false",
		str_or_null(b, "province"),
		disabled ? (cJSON_IsTrue(disabled) ? "true" : "false") : NULL,
		w->password ? w->hash : NULL,
	};
	/* user_update() revokes the user's tokens when the change alters who they are. */
	http_query(ctx, &sql_user_update, values, updated);
}

void
api_users_update(struct http_ctx *ctx)
{
	cJSON *body = json_body_parse(ctx);
	if (!body)
		return;
	struct json_fields f;
	json_fields_init(&f, body);
	const char *display = NULL, *role = NULL, *agency = NULL, *province = NULL,
	           *password = NULL;
	bool agency_null = false, province_null = false, disabled = false;
	json_field_string(&f, "display_name", false, 200, &display);
	if (json_field_string(&f, "role", false, 16, &role)) {
		const char *why = user_role_error(role);
		if (why)
			json_fields_error(&f, "role", why);
	}
	if (json_field_nullable_string(&f, "agency", 8, &agency, &agency_null) && agency &&
	    !user_agency_code_like(agency))
		json_fields_error(&f, "agency", "must be an agency code such as sipo");
	if (json_field_nullable_string(&f, "province", 5, &province, &province_null) && province &&
	    !user_province_code_like(province))
		json_fields_error(&f, "province", "must be a province code such as CN-LN");
	json_field_bool(&f, "disabled", false, &disabled);
	char policy[200];
	struct password_rules rules = rules_of(ctx);
	if (json_field_string(&f, "password", false, PASSWORD_MAX_BYTES, &password)) {
		const char *why = password_policy_error(password, &rules, policy, sizeof(policy));
		if (why)
			json_fields_error(&f, "password", why);
	}
	static const char *const allowed[] = { "display_name", "role",     "agency", "province",
		                               "disabled",     "password", NULL };
	json_fields_reject_unknown(&f, allowed);
	if (!body->child)
		json_fields_error(&f, "body", "name at least one field to change");
	if (json_fields_failed(ctx, &f)) {
		cJSON_Delete(body);
		return;
	}
	user_write_start(ctx, body, password, route_match_param(&ctx->match, "username"), NULL,
	                 update_user);
}

static void
token_issued(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	if (api_refused(ctx, r->res, 0))
		return;
	struct user_write *w = ctx->state;
	cJSON *body = cJSON_Parse(PQgetvalue(r->res, 0, WRITE_BODY));
	if (!body)
		abort();
	/* Shown once; only its hash is stored. w->hash holds the token text here. */
	cJSON_AddStringToObject(body, "token", w->hash);
	http_set_header(ctx, "Cache-Control", "no-store");
	http_reply_json(ctx, 201, body);
}

static void
insert_token(struct http_ctx *ctx, struct user_write *w)
{
	long days = 30;
	cJSON *ttl = cJSON_GetObjectItemCaseSensitive(w->body, "ttl_days");
	if (cJSON_IsNumber(ttl))
		days = (long)ttl->valuedouble;
	char token[TOKEN_TEXT_MAX], hash[TOKEN_HASH_HEX], lifetime[32];
	auth_token_new(token, hash);
	snprintf(w->hash, sizeof(w->hash), "%s", token);
	sodium_memzero(token, sizeof(token));
	snprintf(lifetime, sizeof(lifetime), "%ld days", days);
	const char *values[] = { route_match_param(&ctx->match, "username"), hash,
		                 str_or_null(w->body, "label"), lifetime };
	http_query(ctx, &sql_token_issue, values, token_issued);
}

void
api_users_issue_token(struct http_ctx *ctx)
{
	cJSON *body = json_body_parse(ctx);
	if (!body)
		return;
	struct json_fields f;
	json_fields_init(&f, body);
	long days;
	const char *label;
	json_field_int(&f, "ttl_days", false, 1, 365, &days);
	json_field_string(&f, "label", false, 100, &label);
	static const char *const allowed[] = { "ttl_days", "label", NULL };
	json_fields_reject_unknown(&f, allowed);
	if (json_fields_failed(ctx, &f)) {
		cJSON_Delete(body);
		return;
	}
	user_write_start(ctx, body, NULL, NULL, NULL, insert_token);
}

static void
password_changed(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	if (api_refused(ctx, r->res, 0))
		return;
	cJSON *body = cJSON_Parse(PQgetvalue(r->res, 0, WRITE_BODY));
	if (!body)
		abort();
	http_reply_json(ctx, 200, body);
}

static void
change_password(struct http_ctx *ctx, struct user_write *w)
{
	const char *values[] = { ctx->caller.user_id, ctx->caller.token_id, w->current_hash,
		                 w->hash };
	http_query(ctx, &sql_password_change, values, password_changed);
}

void
api_me_password(struct http_ctx *ctx)
{
	cJSON *body = json_body_parse(ctx);
	if (!body)
		return;
	struct json_fields f;
	json_fields_init(&f, body);
	const char *current = NULL, *password = NULL;
	char policy[200];
	struct password_rules rules = rules_of(ctx);
	json_field_string(&f, "current_password", true, PASSWORD_MAX_BYTES, &current);
	if (json_field_string(&f, "new_password", true, PASSWORD_MAX_BYTES, &password)) {
		const char *why = password_policy_error(password, &rules, policy, sizeof(policy));
		if (why)
			json_fields_error(&f, "new_password", why);
	}
	static const char *const allowed[] = { "current_password", "new_password", NULL };
	json_fields_reject_unknown(&f, allowed);
	if (json_fields_failed(ctx, &f)) {
		cJSON_Delete(body);
		return;
	}
	user_write_start(ctx, body, password, ctx->caller.username, current, change_password);
}

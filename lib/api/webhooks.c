#include "api/webhooks.h"

#include <cjson/cJSON.h>
#include <event2/http.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/params.h"
#include "api/read.h"
#include "api/refusal.h"
#include "core/user_rules.h"
#include "core/util.h"
#include "http/json_body.h"
#include "http/server.h"
#include "pg/sql_names.h"

/* The column of a write's JSON answer, after (outcome, reason, field, detail). */
#define WRITE_BODY 4
/* "whsec_" and 32 random bytes in hex. */
#define SECRET_TEXT (6 + 64 + 1)

static void
new_secret(char out[SECRET_TEXT])
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof(raw));
	memcpy(out, "whsec_", 6);
	sodium_bin2hex(out + 6, SECRET_TEXT - 6, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
}

/* An http or https URL with a host, no credentials in it and no fragment. */
static const char *
url_problem(const char *url)
{
	struct evhttp_uri *uri = evhttp_uri_parse(url);
	if (!uri)
		return "must be an http:// or https:// URL";
	const char *scheme = evhttp_uri_get_scheme(uri);
	const char *host = evhttp_uri_get_host(uri);
	const char *why = NULL;
	if (!scheme || (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
		why = "must be an http:// or https:// URL";
	else if (!host || !*host)
		why = "must name a host";
	else if (evhttp_uri_get_userinfo(uri))
		why = "must not carry a user or password; the signature authenticates deliveries";
	else if (evhttp_uri_get_fragment(uri))
		why = "must not have a #fragment";
	evhttp_uri_free(uri);
	return why;
}

/*
 * Checks the body's events member: an array of 1-50 strings, each an event type
 * or a prefix (task.*), or *. Writes it as JSON text into *out (caller frees).
 */
static bool
events_field(struct json_fields *f, bool required, char **out)
{
	*out = NULL;
	cJSON *v = cJSON_GetObjectItemCaseSensitive(f->obj, "events");
	if (!v) {
		if (required)
			json_fields_error(f, "events", "is required");
		return false;
	}
	int n = cJSON_GetArraySize(v);
	if (!cJSON_IsArray(v) || n < 1 || n > 50) {
		json_fields_error(f, "events",
		                  "must be an array of 1 to 50 event types, such as "
		                  "[\"task.status_changed\", \"report.*\", \"reminder.daily\"]");
		return false;
	}
	const cJSON *e;
	cJSON_ArrayForEach(e, v)
	{
		const char *s = cJSON_GetStringValue(e);
		if (!s || !*s || strlen(s) > 64) {
			json_fields_error(f, "events",
			                  "each event type is a string of 1 to 64 characters");
			return false;
		}
	}
	*out = cJSON_PrintUnformatted(v);
	return true;
}

static void
check_scope_codes(struct json_fields *f, const char *agency, const char *province)
{
	if (agency && !user_agency_code_like(agency))
		json_fields_error(f, "agency", "must be an agency code such as sipo");
	if (province && !user_province_code_like(province))
		json_fields_error(f, "province", "must be a province code such as CN-LN");
}

static void
check_format(struct json_fields *f, const char *format)
{
	if (format && strcmp(format, "json") != 0 && strcmp(format, "dingtalk") != 0 &&
	    strcmp(format, "wecom") != 0)
		json_fields_error(f, "format", "must be json, dingtalk or wecom");
}

static void
check_url(struct json_fields *f, const char *url)
{
	const char *why = url ? url_problem(url) : NULL;
	if (why)
		json_fields_error(f, "url", why);
}

/* What a create keeps until its answer: the secret, shown once. */
struct webhook_write {
	char secret[SECRET_TEXT];
	bool show_secret;
};

static void
webhook_write_free(void *state)
{
	struct webhook_write *w = state;
	sodium_memzero(w->secret, sizeof(w->secret));
	free(w);
}

static void
written(struct http_ctx *ctx, const struct db_result *r, int status)
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
	struct webhook_write *w = ctx->state;
	if (w && w->show_secret) {
		/* Shown this once; GET never shows it. */
		cJSON_AddStringToObject(body, "secret", w->secret);
		http_set_header(ctx, "Cache-Control", "no-store");
	}
	if (status == 201) {
		char location[64];
		snprintf(location, sizeof(location), "/api/v1/webhooks/%.0f",
		         cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(body, "id")));
		http_set_header(ctx, "Location", location);
	}
	http_reply_json(ctx, status, body);
}

static void
created(struct http_ctx *ctx, const struct db_result *r)
{
	written(ctx, r, 201);
}

static void
updated(struct http_ctx *ctx, const struct db_result *r)
{
	written(ctx, r, 200);
}

static void
accepted(struct http_ctx *ctx, const struct db_result *r)
{
	written(ctx, r, 202);
}

static struct webhook_write *
write_state(struct http_ctx *ctx)
{
	struct webhook_write *w = xcalloc(1, sizeof(*w));
	ctx->state = w;
	ctx->state_free = webhook_write_free;
	return w;
}

static const char *const allowed_fields[] = {
	"name",     "url",     "format",          "events",        "agency",
	"province", "enabled", "dingtalk_secret", "rotate_secret", NULL
};

void
api_webhooks_create(struct http_ctx *ctx)
{
	cJSON *body = json_body_parse(ctx);
	if (!body)
		return;
	struct json_fields f;
	json_fields_init(&f, body);
	const char *name = NULL, *url = NULL, *format = NULL, *agency = NULL, *province = NULL,
	           *dingtalk = NULL;
	bool agency_null = true, province_null = true, dingtalk_null = true, enabled = true;
	char *events = NULL;
	json_field_string(&f, "name", true, 100, &name);
	if (json_field_string(&f, "url", true, 2000, &url))
		check_url(&f, url);
	if (json_field_string(&f, "format", false, 16, &format))
		check_format(&f, format);
	events_field(&f, true, &events);
	json_field_nullable_string(&f, "agency", 8, &agency, &agency_null);
	json_field_nullable_string(&f, "province", 5, &province, &province_null);
	check_scope_codes(&f, agency, province);
	json_field_nullable_string(&f, "dingtalk_secret", 200, &dingtalk, &dingtalk_null);
	json_field_bool(&f, "enabled", false, &enabled);
	if (cJSON_GetObjectItemCaseSensitive(body, "rotate_secret"))
		json_fields_error(&f, "rotate_secret",
		                  "is for PATCH: a new endpoint gets a secret");
	json_fields_reject_unknown(&f, allowed_fields);
	if (json_fields_failed(ctx, &f)) {
		free(events);
		cJSON_Delete(body);
		return;
	}
	struct webhook_write *w = write_state(ctx);
	new_secret(w->secret);
	w->show_secret = true;
	const char *values[] = { ctx->caller.user_id,
		                 name,
		                 url,
		                 format ? format : "json",
		                 events,
		                 agency,
		                 province,
		                 w->secret,
		                 dingtalk && *dingtalk ? dingtalk : NULL,
		                 enabled ? "true" : "false" };
	http_query(ctx, &sql_webhook_create, values, created);
	free(events);
	cJSON_Delete(body);
}

void
api_webhooks_update(struct http_ctx *ctx)
{
	cJSON *body = json_body_parse(ctx);
	if (!body)
		return;
	struct json_fields f;
	json_fields_init(&f, body);
	const char *name = NULL, *url = NULL, *format = NULL, *agency = NULL, *province = NULL,
	           *dingtalk = NULL;
	bool agency_null = false, province_null = false, dingtalk_null = false, enabled = false,
	     rotate = false;
	bool has_enabled = false;
	char *events = NULL;
	json_field_string(&f, "name", false, 100, &name);
	if (json_field_string(&f, "url", false, 2000, &url))
		check_url(&f, url);
	if (json_field_string(&f, "format", false, 16, &format))
		check_format(&f, format);
	events_field(&f, false, &events);
	bool has_agency = json_field_nullable_string(&f, "agency", 8, &agency, &agency_null);
	bool has_province =
	    json_field_nullable_string(&f, "province", 5, &province, &province_null);
	check_scope_codes(&f, agency, province);
	bool has_dingtalk =
	    json_field_nullable_string(&f, "dingtalk_secret", 200, &dingtalk, &dingtalk_null);
	has_enabled = json_field_bool(&f, "enabled", false, &enabled);
	json_field_bool(&f, "rotate_secret", false, &rotate);
	json_fields_reject_unknown(&f, allowed_fields);
	if (!body->child)
		json_fields_error(&f, "body", "name at least one field to change");
	if (json_fields_failed(ctx, &f)) {
		free(events);
		cJSON_Delete(body);
		return;
	}
	struct webhook_write *w = write_state(ctx);
	if (rotate) {
		new_secret(w->secret);
		w->show_secret = true;
	}
	const char *values[] = { route_match_param(&ctx->match, "id"),
		                 name,
		                 url,
		                 format,
		                 events,
		                 has_agency ? "true" : "false",
		                 agency,
		                 has_province ? "true" : "false",
		                 province,
		                 has_dingtalk ? "true" : "false",
		                 dingtalk && *dingtalk ? dingtalk : NULL,
		                 has_enabled ? (enabled ? "true" : "false") : NULL,
		                 rotate ? w->secret : NULL };
	http_query(ctx, &sql_webhook_update, values, updated);
	free(events);
	cJSON_Delete(body);
}

static const struct api_param list_params[] = {
	{ "limit", PARAM_LIMIT },
	{ "cursor", PARAM_CURSOR },
};

void
api_webhooks_list(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, list_params, PT_ARRAY_LEN(list_params), &q))
		return;
	const char *values[] = { api_query_after(&q), q.limit_text };
	api_read_page(ctx, &q, &sql_webhook_list, values);
}

void
api_webhooks_get(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, NULL, 0, &q))
		return;
	const char *id = route_match_param(&ctx->match, "id");
	const char *values[] = { id };
	api_read_object(ctx, &sql_webhook_get, values, "webhook", id);
}

static void
deleted(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	if (api_refused(ctx, r->res, 0))
		return;
	http_reply_buffer(ctx, 204, NULL, NULL);
}

void
api_webhooks_delete(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, NULL, 0, &q))
		return;
	const char *values[] = { route_match_param(&ctx->match, "id") };
	http_query(ctx, &sql_webhook_delete, values, deleted);
}

static const struct api_param delivery_params[] = {
	{ "state", PARAM_ENUM },
	{ "limit", PARAM_LIMIT },
	{ "cursor", PARAM_CURSOR },
};

void
api_webhook_deliveries(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, delivery_params, PT_ARRAY_LEN(delivery_params), &q))
		return;
	const char *values[] = { route_match_param(&ctx->match, "id"), q.values[0],
		                 api_query_after(&q), q.limit_text };
	api_read_page(ctx, &q, &sql_webhook_delivery_list, values);
}

void
api_webhook_replay(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, NULL, 0, &q))
		return;
	const char *values[] = { route_match_param(&ctx->match, "id"),
		                 route_match_param(&ctx->match, "delivery") };
	http_query(ctx, &sql_webhook_replay, values, accepted);
}

void
api_webhook_ping(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, NULL, 0, &q))
		return;
	const char *values[] = { ctx->caller.user_id, route_match_param(&ctx->match, "id") };
	http_query(ctx, &sql_webhook_ping, values, accepted);
}

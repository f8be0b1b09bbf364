#include "api/org_nodes.h"

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/params.h"
#include "api/read.h"
#include "api/refusal.h"
#include "http/json_body.h"
#include "http/server.h"
#include "pg/sql_names.h"

#define NAME_ZH_MAX 100
#define NAME_EN_MAX 200
#define CODE_MAX    64

void
api_org_nodes_tree(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, NULL, 0, &q))
		return;
	const char *code = route_match_param(&ctx->match, "code");
	const char *values[] = { code };
	api_read_object(ctx, &sql_org_node_tree, values, "province", code);
}

bool
org_node_code_form(const char *s)
{
	size_t n = strlen(s);
	if (n < 7 || strncmp(s, "CN-", 3) != 0 || s[3] < 'A' || s[3] > 'Z' || s[4] < 'A' ||
	    s[4] > 'Z' || s[5] != '-')
		return false;
	size_t seg = 0;
	for (size_t i = 6; i < n; i++) {
		char c = s[i];
		if (c == '-') {
			if (seg == 0)
				return false;
			seg = 0;
		} else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			if (++seg > 16)
				return false;
		} else {
			return false;
		}
	}
	return seg > 0;
}

static bool
blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

static void
node_written(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	if (api_refused(ctx, r->res, 0))
		return;
	api_reply_json_text_status(ctx, 201, PQgetvalue(r->res, 0, 4));
}

void
api_org_nodes_create(struct http_ctx *ctx)
{
	cJSON *body = json_body_parse(ctx);
	if (!body)
		return;
	struct json_fields f;
	json_fields_init(&f, body);
	cJSON *fields = cJSON_CreateObject();
	const char *s;
	if (json_field_string(&f, "code", true, CODE_MAX, &s)) {
		if (org_node_code_form(s))
			cJSON_AddStringToObject(fields, "code", s);
		else
			json_fields_error(&f, "code",
			                  "must be the parent's code and one more segment, e.g. "
			                  "CN-LN-DALIAN or CN-LN-DALIAN-JINZHOU");
	}
	if (json_field_string(&f, "parent", false, CODE_MAX, &s)) {
		if (org_node_code_form(s))
			cJSON_AddStringToObject(fields, "parent", s);
		else
			json_fields_error(&f, "parent", "must be a node's code, e.g. CN-LN-DALIAN");
	}
	if (json_field_string(&f, "kind", true, 16, &s)) {
		if (strcmp(s, "city") == 0 || strcmp(s, "county") == 0 || strcmp(s, "zone") == 0 ||
		    strcmp(s, "region") == 0)
			cJSON_AddStringToObject(fields, "kind", s);
		else
			json_fields_error(&f, "kind", "must be one of city, county, zone, region");
	}
	static const struct {
		const char *name;
		size_t max;
	} names[] = { { "name_zh", NAME_ZH_MAX }, { "name_en", NAME_EN_MAX } };
	for (size_t i = 0; i < PT_ARRAY_LEN(names); i++)
		if (json_field_string(&f, names[i].name, true, names[i].max, &s)) {
			if (blank(s))
				json_fields_error(&f, names[i].name, "must not be blank");
			else
				cJSON_AddStringToObject(fields, names[i].name, s);
		}
	long order;
	if (json_field_int(&f, "sort_order", false, 1, 100000, &order))
		cJSON_AddNumberToObject(fields, "sort_order", (double)order);
	static const char *const allowed[] = { "code",    "parent",     "kind", "name_zh",
		                               "name_en", "sort_order", NULL };
	json_fields_reject_unknown(&f, allowed);
	if (json_fields_failed(ctx, &f)) {
		cJSON_Delete(fields);
		cJSON_Delete(body);
		return;
	}
	char *fields_text = cJSON_PrintUnformatted(fields);
	if (!fields_text)
		abort();
	const char *values[] = { role_name(ctx->caller.role), ctx->caller.user_id,
		                 route_match_param(&ctx->match, "code"), fields_text };
	http_query(ctx, &sql_org_node_create, values, node_written);
	free(fields_text);
	cJSON_Delete(fields);
	cJSON_Delete(body);
}

static void
written_200(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	if (api_refused(ctx, r->res, 0))
		return;
	api_reply_json_text_status(ctx, 200, PQgetvalue(r->res, 0, 4));
}

void
api_org_nodes_user_set(struct http_ctx *ctx)
{
	cJSON *body = json_body_parse(ctx);
	if (!body)
		return;
	struct json_fields f;
	json_fields_init(&f, body);
	const char *node = NULL;
	bool is_null = false;
	if (!cJSON_GetObjectItemCaseSensitive(body, "node"))
		json_fields_error(&f, "node",
		                  "is required: a node's code, or null for the whole province");
	else if (json_field_nullable_string(&f, "node", CODE_MAX, &node, &is_null) && !is_null &&
	         !org_node_code_form(node))
		json_fields_error(&f, "node", "must be a node's code, e.g. CN-LN-DALIAN, or null");
	static const char *const allowed[] = { "node", NULL };
	json_fields_reject_unknown(&f, allowed);
	if (json_fields_failed(ctx, &f)) {
		cJSON_Delete(body);
		return;
	}
	const char *values[] = { role_name(ctx->caller.role), ctx->caller.user_id,
		                 route_match_param(&ctx->match, "username"),
		                 is_null ? NULL : node };
	http_query(ctx, &sql_user_node_set, values, written_200);
	cJSON_Delete(body);
}

/* Node reports, approved bottom-up (docs/reporting.md, "Cities and counties"). */

void
api_node_reports_list(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, NULL, 0, &q))
		return;
	const char *code = route_match_param(&ctx->match, "code");
	const char *period = route_match_param(&ctx->match, "period");
	const char *values[] = { code, period };
	char key[96];
	snprintf(key, sizeof(key), "%.16s/%.16s", code, period);
	api_read_object(ctx, &sql_node_report_list, values, "province or period", key);
}

void
api_node_reports_file(struct http_ctx *ctx)
{
	cJSON *body = json_body_parse(ctx);
	if (!body)
		return;
	struct json_fields f;
	json_fields_init(&f, body);
	const char *summary = NULL;
	if (json_field_string(&f, "summary", true, 20000, &summary) && blank(summary))
		json_fields_error(&f, "summary", "must not be blank");
	static const char *const allowed[] = { "summary", NULL };
	json_fields_reject_unknown(&f, allowed);
	if (json_fields_failed(ctx, &f)) {
		cJSON_Delete(body);
		return;
	}
	const char *values[] = { ctx->caller.user_id, route_match_param(&ctx->match, "code"),
		                 route_match_param(&ctx->match, "period"), summary };
	http_query(ctx, &sql_node_report_file, values, written_200);
	cJSON_Delete(body);
}

static void
node_report_act(struct http_ctx *ctx, const char *action)
{
	const char *comment = NULL;
	cJSON *body = NULL;
	if (evbuffer_get_length(evhttp_request_get_input_buffer(ctx->req)) > 0) {
		body = json_body_parse(ctx);
		if (!body)
			return;
		struct json_fields f;
		json_fields_init(&f, body);
		json_field_string(&f, "comment", false, 5000, &comment);
		static const char *const allowed[] = { "comment", NULL };
		json_fields_reject_unknown(&f, allowed);
		if (json_fields_failed(ctx, &f)) {
			cJSON_Delete(body);
			return;
		}
	}
	const char *values[] = { ctx->caller.user_id, route_match_param(&ctx->match, "id"), action,
		                 comment };
	http_query(ctx, &sql_node_report_act, values, written_200);
	cJSON_Delete(body);
}

void
api_node_reports_approve(struct http_ctx *ctx)
{
	node_report_act(ctx, "approve");
}

void
api_node_reports_return(struct http_ctx *ctx)
{
	node_report_act(ctx, "return");
}

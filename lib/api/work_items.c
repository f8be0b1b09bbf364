#include "api/work_items.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/etag.h"
#include "api/params.h"
#include "api/read.h"
#include "api/refusal.h"
#include "http/json_body.h"
#include "http/server.h"
#include "api/org_nodes.h"
#include "pg/sql_names.h"

#define TITLE_MAX 200
#define NOTE_MAX  2000

/*
 * The caller's role, agency and province as SQL text parameters (NULL when
 * absent). For a user scoped to a node the province is that node's code: the
 * work-item statements read it so (org_node_covers(), fragment
 * work_item_carried), and it begins with the province's code.
 */
static void
caller_params(const struct http_ctx *ctx, const char **role, const char **agency,
              const char **province)
{
	*role = role_name(ctx->caller.role);
	*agency = ctx->caller.agency[0] ? ctx->caller.agency : NULL;
	*province = ctx->caller.node[0]       ? ctx->caller.node
	            : ctx->caller.province[0] ? ctx->caller.province
	                                      : NULL;
}

static bool
agency_code_form(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > 8)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return false;
	return true;
}

static bool
province_code_form(const char *s)
{
	return strlen(s) == 5 && strncmp(s, "CN-", 3) == 0 && s[3] >= 'A' && s[3] <= 'Z' &&
	       s[4] >= 'A' && s[4] <= 'Z';
}

static bool
blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

/*
 * Reads the plan fields of a work item (title_zh, title_en, due_date, agency
 * or office, sort_order) from f's object into fields, recording each problem.
 * On creation title_zh, due_date and one of agency and office are required.
 */
static void
plan_fields(struct json_fields *f, cJSON *fields, bool creating)
{
	const char *s;
	bool is_null;
	if (json_field_string(f, "title_zh", creating, TITLE_MAX, &s)) {
		if (blank(s))
			json_fields_error(f, "title_zh", "must not be blank");
		else
			cJSON_AddStringToObject(fields, "title_zh", s);
	}
	if (json_field_nullable_string(f, "title_en", TITLE_MAX, &s, &is_null)) {
		if (is_null)
			cJSON_AddNullToObject(fields, "title_en");
		else if (blank(s))
			json_fields_error(f, "title_en", "must not be blank (null clears it)");
		else
			cJSON_AddStringToObject(fields, "title_en", s);
	}
	if (json_field_string(f, "due_date", creating, 10, &s)) {
		if (pt_date_valid(s))
			cJSON_AddStringToObject(fields, "due_date", s);
		else
			json_fields_error(f, "due_date", "must be a date YYYY-MM-DD (2000-2100)");
	}
	const cJSON *agency = cJSON_GetObjectItemCaseSensitive(f->obj, "agency");
	const cJSON *office = cJSON_GetObjectItemCaseSensitive(f->obj, "office");
	if (agency && office) {
		json_fields_error(f, "office",
		                  "name one responsible party: agency or office, not both");
	} else if (!agency && !office) {
		if (creating)
			json_fields_error(
			    f, "agency",
			    "is required: an agency code (or office: a province code)");
	} else if (agency) {
		if (cJSON_IsString(agency) && agency_code_form(agency->valuestring))
			cJSON_AddStringToObject(fields, "agency", agency->valuestring);
		else
			json_fields_error(f, "agency", "must be an agency code, e.g. sipo");
	} else {
		if (cJSON_IsString(office) && province_code_form(office->valuestring))
			cJSON_AddStringToObject(fields, "office", office->valuestring);
		else
			json_fields_error(
			    f, "office",
			    "must be a province code, e.g. CN-LN (that province's office)");
	}
	/* Decomposition to a node of the task's province (null: back to the province). */
	if (json_field_nullable_string(f, "node", 64, &s, &is_null)) {
		if (is_null)
			cJSON_AddNullToObject(fields, "node");
		else if (org_node_code_form(s))
			cJSON_AddStringToObject(fields, "node", s);
		else
			json_fields_error(f, "node",
			                  "must be a node's code, e.g. CN-LN-DALIAN (GET "
			                  "/api/v1/provinces/{code}/nodes)");
	}
	long order;
	if (json_field_int(f, "sort_order", false, 1, 10000, &order))
		cJSON_AddNumberToObject(fields, "sort_order", (double)order);
}

/* The note of a write, if any: 1 to 2000 characters. */
static const char *
note_field(struct json_fields *f)
{
	const char *note = NULL;
	if (!json_field_string(f, "note", false, NOTE_MAX, &note))
		return NULL;
	return note;
}

/*
 * A write's answer: the item with its ETag, or the refusal. Columns: outcome,
 * reason, field, detail, version (when ok or stale), the item's JSON and,
 * from a creation, its href.
 */
static bool
item_refused(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return true;
	}
	/* The item's version, when done and when stale: the If-Match to send next. */
	if (!PQgetisnull(r->res, 0, 4))
		api_set_etag(ctx, PQgetvalue(r->res, 0, 4));
	return api_refused(ctx, r->res, 0);
}

static void
item_created(struct http_ctx *ctx, const struct db_result *r)
{
	if (item_refused(ctx, r))
		return;
	http_set_header(ctx, "Location", PQgetvalue(r->res, 0, 6));
	api_reply_json_text_status(ctx, 201, PQgetvalue(r->res, 0, 5));
}

static void
item_changed(struct http_ctx *ctx, const struct db_result *r)
{
	if (item_refused(ctx, r))
		return;
	api_reply_json_text(ctx, PQgetvalue(r->res, 0, 5));
}

/* Sends a write: the fields as JSON text, the note copied (both outlive the body). */
static void
send_write(struct http_ctx *ctx, const struct sql_statement *st, const char *id,
           const char *version, cJSON *fields, const char *note, http_db_fn done)
{
	char *fields_text = cJSON_PrintUnformatted(fields);
	const char *role, *agency, *province;
	caller_params(ctx, &role, &agency, &province);
	if (version) {
		const char *values[] = { role, agency,  province,    ctx->caller.user_id,
			                 id,   version, fields_text, note };
		http_query(ctx, st, values, done);
	} else {
		const char *values[] = { role, agency,      province, ctx->caller.user_id,
			                 id,   fields_text, note };
		http_query(ctx, st, values, done);
	}
	free(fields_text);
}

void
api_work_items_create(struct http_ctx *ctx)
{
	cJSON *body = json_body_parse(ctx);
	if (!body)
		return;
	struct json_fields f;
	json_fields_init(&f, body);
	cJSON *fields = cJSON_CreateObject();
	plan_fields(&f, fields, true);
	const char *note = note_field(&f);
	static const char *const allowed[] = { "title_zh",   "title_en", "due_date",
		                               "agency",     "office",   "node",
		                               "sort_order", "note",     NULL };
	json_fields_reject_unknown(&f, allowed);
	if (json_fields_failed(ctx, &f)) {
		cJSON_Delete(fields);
		cJSON_Delete(body);
		return;
	}
	send_write(ctx, &sql_work_item_create, route_match_param(&ctx->match, "id"), NULL, fields,
	           note, item_created);
	cJSON_Delete(fields);
	cJSON_Delete(body);
}

void
api_work_items_update(struct http_ctx *ctx)
{
	long version = api_required_version(ctx, "work item");
	if (version < 0)
		return;
	cJSON *body = json_body_parse(ctx);
	if (!body)
		return;
	struct json_fields f;
	json_fields_init(&f, body);
	cJSON *fields = cJSON_CreateObject();
	plan_fields(&f, fields, false);
	/* The status goes as given: task_statuses is the database's, which refuses one it lacks. */
	cJSON *status = cJSON_GetObjectItemCaseSensitive(body, "status");
	if (status)
		cJSON_AddItemToObject(fields, "status", cJSON_Duplicate(status, 1));
	long progress;
	if (json_field_int(&f, "progress", false, 0, 100, &progress))
		cJSON_AddNumberToObject(fields, "progress", (double)progress);
	const char *note = note_field(&f);
	static const char *const allowed[] = { "title_zh", "title_en", "due_date",   "agency",
		                               "office",   "node",     "sort_order", "status",
		                               "progress", "note",     NULL };
	json_fields_reject_unknown(&f, allowed);
	if (!body->child)
		json_fields_error(&f, "body", "name at least one field to change");
	if (json_fields_failed(ctx, &f)) {
		cJSON_Delete(fields);
		cJSON_Delete(body);
		return;
	}
	char version_text[24];
	snprintf(version_text, sizeof(version_text), "%ld", version);
	send_write(ctx, &sql_work_item_update, route_match_param(&ctx->match, "id"), version_text,
	           fields, note, item_changed);
	cJSON_Delete(fields);
	cJSON_Delete(body);
}

static void
item_removed(struct http_ctx *ctx, const struct db_result *r)
{
	if (item_refused(ctx, r))
		return;
	http_reply_buffer(ctx, 204, NULL, NULL);
}

void
api_work_items_remove(struct http_ctx *ctx)
{
	long version = api_required_version(ctx, "work item");
	if (version < 0)
		return;
	char version_text[24];
	snprintf(version_text, sizeof(version_text), "%ld", version);
	const char *values[] = { role_name(ctx->caller.role), ctx->caller.user_id,
		                 route_match_param(&ctx->match, "id"), version_text };
	http_query(ctx, &sql_work_item_remove, values, item_removed);
}

void
api_work_items_of_task(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, NULL, 0, &q))
		return;
	const char *role, *agency, *province;
	caller_params(ctx, &role, &agency, &province);
	const char *id = route_match_param(&ctx->match, "id");
	const char *values[] = { role, agency, province, id };
	api_read_object(ctx, &sql_work_item_list_of_task, values, "task", id);
}

static void
item_read(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	if (PQntuples(r->res) == 0) {
		api_reply_not_found(ctx, "work item", route_match_param(&ctx->match, "id"));
		return;
	}
	api_set_etag(ctx, PQgetvalue(r->res, 0, 1));
	api_reply_json_text(ctx, PQgetvalue(r->res, 0, 0));
}

void
api_work_items_get(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, NULL, 0, &q))
		return;
	const char *role, *agency, *province;
	caller_params(ctx, &role, &agency, &province);
	const char *values[] = { role, agency, province, route_match_param(&ctx->match, "id") };
	http_query(ctx, &sql_work_item_get, values, item_read);
}

/* Order matters: it is the order of sql_work_item_list's parameters after the caller's. */
static const struct api_param list_params[] = {
	{ "agency", PARAM_AGENCY }, { "office", PARAM_PROVINCE }, { "status", PARAM_ENUM },
	{ "overdue", PARAM_BOOL },  { "mine", PARAM_BOOL },       { "limit", PARAM_LIMIT },
	{ "cursor", PARAM_CURSOR },
};

void
api_work_items_list(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, list_params, PT_ARRAY_LEN(list_params), &q))
		return;
	const char *role, *agency, *province;
	caller_params(ctx, &role, &agency, &province);
	const char *values[] = { role,        agency,      province,
		                 q.values[0], q.values[1], q.values[2],
		                 q.values[3], q.values[4], api_query_after(&q),
		                 q.limit_text };
	api_read_page(ctx, &q, &sql_work_item_list, values);
}

static const struct api_param page_params[] = {
	{ "limit", PARAM_LIMIT },
	{ "cursor", PARAM_CURSOR },
	{ "after", PARAM_AFTER },
};

void
api_work_item_events(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, page_params, PT_ARRAY_LEN(page_params), &q))
		return;
	const char *values[] = { route_match_param(&ctx->match, "id"), api_query_after(&q),
		                 q.limit_text };
	api_read_page(ctx, &q, &sql_work_item_event_list, values);
}

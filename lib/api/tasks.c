#include <cjson/cJSON.h>
#include <math.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/catalogue.h"
#include "api/etag.h"
#include "api/evidence.h"
#include "api/params.h"
#include "api/read.h"
#include "api/refusal.h"
#include "http/json_body.h"
#include "http/server.h"
#include "pg/sql_names.h"

/* The caller's role, agency and province as SQL text parameters (NULL when absent). */
static void
caller_params(const struct http_ctx *ctx, const char **role, const char **agency,
              const char **province)
{
	*role = role_name(ctx->caller.role);
	*agency = ctx->caller.agency[0] ? ctx->caller.agency : NULL;
	*province = ctx->caller.province[0] ? ctx->caller.province : NULL;
}

/* Order matters: it is the order of sql_task_list's parameters after the caller's. */
static const struct api_param list_params[] = {
	{ "agency", PARAM_AGENCY },   { "province", PARAM_PROVINCE },
	{ "measure", PARAM_MEASURE }, { "section", PARAM_SECTION },
	{ "status", PARAM_ENUM },     { "role", PARAM_ENUM },
	{ "rag", PARAM_RAG },         { "overdue", PARAM_BOOL },
	{ "limit", PARAM_LIMIT },     { "cursor", PARAM_CURSOR },
	{ "q", PARAM_SEARCH },        { "document", PARAM_DOCUMENT },
	{ "receipt", PARAM_ENUM },    { "extension", PARAM_ENUM },
	{ "escalation", PARAM_ENUM },
};

void
api_tasks_list(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, list_params, PT_ARRAY_LEN(list_params), &q))
		return;
	const char *role, *agency, *province;
	caller_params(ctx, &role, &agency, &province);
	const char *values[] = { role,         agency,       province,     q.values[0],
		                 q.values[1],  q.values[2],  q.values[3],  q.values[4],
		                 q.values[5],  q.values[6],  q.values[7],  api_query_after(&q),
		                 q.limit_text, q.values[10], q.values[11], q.values[12],
		                 q.values[13], q.values[14] };
	api_read_page(ctx, &q, &sql_task_list, values);
}

static void
task_read(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	if (PQntuples(r->res) == 0) {
		api_reply_not_found(ctx, "task", route_match_param(&ctx->match, "id"));
		return;
	}
	api_set_etag(ctx, PQgetvalue(r->res, 0, 1));
	api_reply_json_text(ctx, PQgetvalue(r->res, 0, 0));
}

void
api_tasks_get(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, NULL, 0, &q))
		return;
	const char *role, *agency, *province;
	caller_params(ctx, &role, &agency, &province);
	const char *values[] = { role, agency, province, route_match_param(&ctx->match, "id") };
	http_query(ctx, &sql_task_get, values, task_read);
}

static void
task_updated(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	/* The task's version, when done and when stale: the If-Match to send next. */
	if (!PQgetisnull(r->res, 0, 4))
		api_set_etag(ctx, PQgetvalue(r->res, 0, 4));
	if (api_refused(ctx, r->res, 0))
		return;
	api_reply_json_text(ctx, PQgetvalue(r->res, 0, 5));
}

/*
 * Checks one change (a PATCH body, or one item of a batch) and builds the
 * fields object task_update() takes. Errors are recorded under prefix+name.
 * The status goes as given: the workflow's statuses are the database's, and
 * task_update() refuses one it does not know. *note points into obj. Returns
 * the fields (caller deletes).
 */
static cJSON *
task_change_fields(struct json_fields *f, cJSON *obj, const char *prefix, const char **note,
                   const char *const *extra_allowed)
{
	cJSON *saved = f->obj;
	f->obj = obj;
	char name[64];
#define NAME(n) (snprintf(name, sizeof(name), "%s%s", prefix, n), name)
	cJSON *fields = cJSON_CreateObject();
	const char *due;
	long progress;
	bool due_null;
	*note = NULL;
	cJSON *v;
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "status")))
		cJSON_AddItemToObject(fields, "status", cJSON_Duplicate(v, 1));
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "progress"))) {
		double d = v->valuedouble;
		if (cJSON_IsNumber(v) && d >= 0 && d <= 100 && d == floor(d)) {
			progress = (long)d;
			cJSON_AddNumberToObject(fields, "progress", (double)progress);
		} else {
			json_fields_error(f, NAME("progress"),
			                  "must be a whole number from 0 to 100");
		}
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "note"))) {
		const char *s = cJSON_GetStringValue(v);
		if (s && *s && pt_utf8_chars(s) <= 2000)
			*note = s;
		else
			json_fields_error(f, NAME("note"), "must be 1 to 2000 characters");
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "due_date"))) {
		due_null = cJSON_IsNull(v);
		due = cJSON_GetStringValue(v);
		if (due_null)
			cJSON_AddNullToObject(fields, "due_date");
		else if (due && pt_date_valid(due))
			cJSON_AddStringToObject(fields, "due_date", due);
		else
			json_fields_error(f, NAME("due_date"),
			                  "must be a date YYYY-MM-DD (2000-2100) or null");
	}
	cJSON *evidence = cJSON_GetObjectItemCaseSensitive(obj, "evidence");
	if (evidence) {
		api_evidence_check(f, evidence, prefix);
		cJSON_AddItemToObject(fields, "evidence", cJSON_Duplicate(evidence, 1));
	}
	cJSON *override = cJSON_GetObjectItemCaseSensitive(obj, "rag_override");
	if (override) {
		const cJSON *rating = cJSON_GetObjectItemCaseSensitive(override, "rating");
		const cJSON *why = cJSON_GetObjectItemCaseSensitive(override, "rationale");
		bool ok = cJSON_IsNull(override) ||
		          (cJSON_IsObject(override) && cJSON_GetArraySize(override) == 2 &&
		           cJSON_IsString(rating) &&
		           (strcmp(rating->valuestring, "red") == 0 ||
		            strcmp(rating->valuestring, "amber") == 0 ||
		            strcmp(rating->valuestring, "green") == 0) &&
		           cJSON_IsString(why) && strlen(why->valuestring) > 0 &&
		           strlen(why->valuestring) <= 8000);
		if (ok)
			cJSON_AddItemToObject(fields, "rag_override", cJSON_Duplicate(override, 1));
		else
			json_fields_error(f, NAME("rag_override"),
			                  "must be null or {\"rating\": red|amber|green, "
			                  "\"rationale\": why}");
	}
	static const char *const allowed[] = { "status",   "progress",     "note", "due_date",
		                               "evidence", "rag_override", NULL };
	int changes = 0;
	for (const cJSON *m = obj->child; m; m = m->next) {
		bool known = false;
		for (const char *const *a = allowed; *a && !known; a++)
			known = strcmp(*a, m->string) == 0;
		for (const char *const *a = extra_allowed; a && *a && !known; a++)
			if (strcmp(*a, m->string) == 0)
				known = true, changes--;
		if (!known)
			json_fields_error(f, NAME(m->string), "is not a field of a task change");
		changes++;
	}
	if (changes == 0)
		json_fields_error(f, prefix[0] ? prefix : "body",
		                  "name at least one field to change");
#undef NAME
	f->obj = saved;
	return fields;
}

void
api_tasks_update(struct http_ctx *ctx)
{
	long version = api_required_version(ctx, "task");
	if (version < 0)
		return;
	cJSON *body = json_body_parse(ctx);
	if (!body)
		return;
	struct json_fields f;
	json_fields_init(&f, body);
	const char *note;
	cJSON *fields = task_change_fields(&f, body, "", &note, NULL);
	char *note_copy = note ? xstrdup(note) : NULL;
	cJSON_Delete(body);
	if (json_fields_failed(ctx, &f)) {
		free(note_copy);
		cJSON_Delete(fields);
		return;
	}
	char *fields_text = cJSON_PrintUnformatted(fields);
	cJSON_Delete(fields);
	char version_text[24];
	snprintf(version_text, sizeof(version_text), "%ld", version);
	const char *role, *agency, *province;
	caller_params(ctx, &role, &agency, &province);
	const char *values[] = { role,
		                 agency,
		                 province,
		                 ctx->caller.user_id,
		                 route_match_param(&ctx->match, "id"),
		                 version_text,
		                 fields_text,
		                 note_copy };
	http_query(ctx, &sql_task_update, values, task_updated);
	free(fields_text);
	free(note_copy);
}

#define BATCH_MAX 200

static void
batch_done(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	/* Refused: nothing was changed, and errors say what each refused item needs. */
	if (api_refused(ctx, r->res, 0))
		return;
	char *json = xasprintf("{\"items\":%s}", PQgetvalue(r->res, 0, 5));
	api_reply_json_text(ctx, json);
	free(json);
}

void
api_tasks_batch_update(struct http_ctx *ctx)
{
	cJSON *body = json_body_parse(ctx);
	if (!body)
		return;
	struct json_fields f;
	json_fields_init(&f, body);
	cJSON *items = cJSON_GetObjectItemCaseSensitive(body, "items");
	static const char *const top[] = { "items", NULL };
	json_fields_reject_unknown(&f, top);
	cJSON *out = cJSON_CreateArray();
	if (!cJSON_IsArray(items) || cJSON_GetArraySize(items) < 1 ||
	    cJSON_GetArraySize(items) > BATCH_MAX) {
		json_fields_error(&f, "items", "must be a list of 1 to 200 task changes");
	} else {
		int i = 0;
		for (cJSON *item = items->child; item; item = item->next, i++) {
			char prefix[32];
			snprintf(prefix, sizeof(prefix), "items[%d].", i);
			if (!cJSON_IsObject(item)) {
				char name[32];
				snprintf(name, sizeof(name), "items[%d]", i);
				json_fields_error(&f, name, "must be an object");
				continue;
			}
			cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "id");
			cJSON *match = cJSON_GetObjectItemCaseSensitive(item, "if_match");
			char name[48];
			long version = -1;
			if (!cJSON_IsNumber(id) || id->valuedouble < 1 || id->valuedouble > 1e15 ||
			    id->valuedouble != floor(id->valuedouble)) {
				snprintf(name, sizeof(name), "items[%d].id", i);
				json_fields_error(&f, name, "must be a task id");
			}
			if (!cJSON_IsString(match) ||
			    (version = api_etag_version(match->valuestring)) < 0) {
				snprintf(name, sizeof(name), "items[%d].if_match", i);
				json_fields_error(&f, name, "must be the task's ETag, e.g. \"3\"");
			}
			static const char *const extra[] = { "id", "if_match", NULL };
			const char *note;
			cJSON *fields = task_change_fields(&f, item, prefix, &note, extra);
			cJSON *o = cJSON_CreateObject();
			cJSON_AddNumberToObject(o, "id", cJSON_IsNumber(id) ? id->valuedouble : 0);
			cJSON_AddNumberToObject(o, "version", (double)version);
			cJSON_AddItemToObject(o, "fields", fields);
			if (note)
				cJSON_AddStringToObject(o, "note", note);
			cJSON_AddItemToArray(out, o);
		}
	}
	cJSON_Delete(body);
	if (json_fields_failed(ctx, &f)) {
		cJSON_Delete(out);
		return;
	}
	char *items_text = cJSON_PrintUnformatted(out);
	cJSON_Delete(out);
	const char *role, *agency, *province;
	caller_params(ctx, &role, &agency, &province);
	const char *values[] = { role, agency, province, ctx->caller.user_id, items_text };
	http_query(ctx, &sql_task_batch_update, values, batch_done);
	free(items_text);
}

#include "api/supervision.h"

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <stdlib.h>
#include <string.h>

#include "api/etag.h"
#include "api/params.h"
#include "api/read.h"
#include "api/refusal.h"
#include "core/util.h"
#include "http/json_body.h"
#include "http/server.h"
#include "pg/sql_names.h"

/* What each action's body may hold; the SQL says which of them it needs. */
struct action {
	const char *name; /* task_supervise()'s or work_item_supervise()'s */
	bool due_date, agency;
	bool item; /* on a work item, not a task */
};

static void
caller_values(const struct http_ctx *ctx, const char **values)
{
	values[0] = role_name(ctx->caller.role);
	values[1] = ctx->caller.agency[0] ? ctx->caller.agency : NULL;
	values[2] = ctx->caller.province[0] ? ctx->caller.province : NULL;
}

static void
object_read(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	if (PQntuples(r->res) == 0) {
		bool item = ctx->match.route->handler == api_work_items_receive ||
		            ctx->match.route->handler == api_work_items_send_back;
		api_reply_not_found(ctx, item ? "work item" : "task",
		                    route_match_param(&ctx->match, "id"));
		return;
	}
	api_set_etag(ctx, PQgetvalue(r->res, 0, 1));
	api_reply_json_text(ctx, PQgetvalue(r->res, 0, 0));
}

/* Done: the answer is the task (or item) as it now is, read by a statement of
 * its own (sql/tasks/task_supervise.sql says why). */
static void
acted(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	if (api_refused(ctx, r->res, 0))
		return;
	const char *values[4];
	caller_values(ctx, values);
	values[3] = route_match_param(&ctx->match, "id");
	bool item = ctx->match.route->handler == api_work_items_receive ||
	            ctx->match.route->handler == api_work_items_send_back;
	http_query(ctx, item ? &sql_work_item_get : &sql_task_get, values, object_read);
}

/*
 * The body is optional ({} or nothing) and holds at most reason (1-2000
 * characters), due_date (YYYY-MM-DD) and agency (a code), as the action
 * takes them; anything else is a 400 naming it.
 */
static void
act(struct http_ctx *ctx, const struct action *a)
{
	cJSON *fields = cJSON_CreateObject();
	cJSON *body = NULL;
	if (evbuffer_get_length(evhttp_request_get_input_buffer(ctx->req)) > 0) {
		body = json_body_parse(ctx);
		if (!body) {
			cJSON_Delete(fields);
			return;
		}
		struct json_fields f;
		json_fields_init(&f, body);
		const char *reason = NULL, *due = NULL, *agency = NULL;
		if (json_field_string(&f, "reason", false, 2000, &reason))
			cJSON_AddStringToObject(fields, "reason", reason);
		if (a->due_date && json_field_string(&f, "due_date", false, 10, &due)) {
			if (pt_date_valid(due))
				cJSON_AddStringToObject(fields, "due_date", due);
			else
				json_fields_error(&f, "due_date",
				                  "must be a date YYYY-MM-DD (2000-2100)");
		}
		if (a->agency && json_field_string(&f, "agency", false, 64, &agency))
			cJSON_AddStringToObject(fields, "agency", agency);
		const char *allowed[4] = { "reason" };
		size_t n = 1;
		if (a->due_date)
			allowed[n++] = "due_date";
		if (a->agency)
			allowed[n++] = "agency";
		allowed[n] = NULL;
		json_fields_reject_unknown(&f, allowed);
		if (json_fields_failed(ctx, &f)) {
			cJSON_Delete(body);
			cJSON_Delete(fields);
			return;
		}
	}
	char *fields_text = cJSON_PrintUnformatted(fields);
	const char *values[7];
	caller_values(ctx, values);
	values[3] = ctx->caller.user_id;
	values[4] = route_match_param(&ctx->match, "id");
	values[5] = a->name;
	values[6] = fields_text;
	http_query(ctx, a->item ? &sql_work_item_supervise : &sql_task_supervise, values, acted);
	free(fields_text);
	cJSON_Delete(fields);
	cJSON_Delete(body);
}

void
api_tasks_receive(struct http_ctx *ctx)
{
	static const struct action a = { "receive", false, false, false };
	act(ctx, &a);
}

void
api_tasks_send_back(struct http_ctx *ctx)
{
	static const struct action a = { "send_back", false, false, false };
	act(ctx, &a);
}

void
api_tasks_reassign(struct http_ctx *ctx)
{
	static const struct action a = { "reassign", false, true, false };
	act(ctx, &a);
}

void
api_task_extensions_request(struct http_ctx *ctx)
{
	static const struct action a = { "request_extension", true, false, false };
	act(ctx, &a);
}

void
api_task_extensions_approve(struct http_ctx *ctx)
{
	static const struct action a = { "approve_extension", true, false, false };
	act(ctx, &a);
}

void
api_task_extensions_refuse(struct http_ctx *ctx)
{
	static const struct action a = { "refuse_extension", false, false, false };
	act(ctx, &a);
}

void
api_work_items_receive(struct http_ctx *ctx)
{
	static const struct action a = { "receive", false, false, true };
	act(ctx, &a);
}

void
api_work_items_send_back(struct http_ctx *ctx)
{
	static const struct action a = { "send_back", false, false, true };
	act(ctx, &a);
}

void
api_task_extensions_list(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, NULL, 0, &q))
		return;
	const char *values[] = { route_match_param(&ctx->match, "id") };
	api_read_object(ctx, &sql_task_extension_list, values, "task",
	                route_match_param(&ctx->match, "id"));
}

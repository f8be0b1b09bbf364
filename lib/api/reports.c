#include "api/reports.h"

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/evidence.h"
#include "api/params.h"
#include "api/read.h"
#include "api/refusal.h"
#include "http/json_body.h"
#include "http/server.h"
#include "pg/sql_names.h"

static void
caller(const struct http_ctx *ctx, const char **role, const char **province)
{
	*role = role_name(ctx->caller.role);
	*province = ctx->caller.province[0] ? ctx->caller.province : NULL;
}

static const struct api_param page_params[] = {
	{ "limit", PARAM_LIMIT },
	{ "cursor", PARAM_CURSOR },
};

void
api_periods_list(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, page_params, PT_ARRAY_LEN(page_params), &q))
		return;
	const char *values[] = { api_query_after(&q), q.limit_text };
	api_read_page(ctx, &q, &sql_period_list, values);
}

static bool
period_code_valid(const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < 4; i++)
		if (i >= n || s[i] < (i ? '0' : '1') || s[i] > '9')
			return false;
	if (n == 4)
		return true;
	if (s[4] != '-')
		return false;
	const char *rest = s + 5;
	if (strcmp(rest, "H1") == 0 || strcmp(rest, "H2") == 0)
		return true;
	if (strlen(rest) == 2 && rest[0] == 'Q' && rest[1] >= '1' && rest[1] <= '4')
		return true;
	return strlen(rest) == 2 && ((rest[0] == '0' && rest[1] >= '1' && rest[1] <= '9') ||
	                             (rest[0] == '1' && rest[1] >= '0' && rest[1] <= '2'));
}

/* A period function's answer: the period, or its refusal. */
static void
period_written(struct http_ctx *ctx, const struct db_result *r, int status)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	if (api_refused(ctx, r->res, 0))
		return;
	api_reply_json_text_status(ctx, status, PQgetvalue(r->res, 0, 4));
}

static void
period_created(struct http_ctx *ctx, const struct db_result *r)
{
	period_written(ctx, r, 201);
}

static void
period_changed(struct http_ctx *ctx, const struct db_result *r)
{
	period_written(ctx, r, 200);
}

/*
 * The first and last day of the period a valid code names (2017: the year;
 * 2017-H2: July to December; 2017-Q2: April to June; 2017-05: May), as
 * YYYY-MM-DD; false for a year outside the dates pt_date_valid() takes.
 */
static bool
period_span(const char *code, char first[11], char last[11])
{
	static const int month_days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int year = atoi(code), from = 1, to = 12;
	if (year < 2000 || year > 2100)
		return false;
	const char *rest = code[4] ? code + 5 : "";
	if (rest[0] == 'H')
		from = rest[1] == '1' ? 1 : 7, to = from + 5;
	else if (rest[0] == 'Q')
		to = (rest[1] - '0') * 3, from = to - 2;
	else if (rest[0])
		from = to = atoi(rest);
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	int days = month_days[to - 1] + (to == 2 && leap);
	snprintf(first, 11, "%04d-%02d-01", year, from);
	snprintf(last, 11, "%04d-%02d-%02d", year, to, days);
	return true;
}

void
api_periods_create(struct http_ctx *ctx)
{
	cJSON *body = json_body_parse(ctx);
	if (!body)
		return;
	struct json_fields f;
	json_fields_init(&f, body);
	const char *code = NULL, *dates[3] = { NULL, NULL, NULL };
	static const char *const names[] = { "starts_on", "ends_on", "due_on" };
	if (json_field_string(&f, "code", true, 7, &code) && !period_code_valid(code))
		json_fields_error(&f, "code",
		                  "must be a year (2017), half (2017-H1), quarter "
		                  "(2017-Q2) or month (2017-05)");
	bool valid[3] = { false, false, false };
	for (int i = 0; i < 3; i++)
		if (json_field_string(&f, names[i], true, 10, &dates[i])) {
			valid[i] = pt_date_valid(dates[i]);
			if (!valid[i])
				json_fields_error(
				    &f, names[i],
				    "must be a calendar date YYYY-MM-DD from 2000-01-01 "
				    "to 2100-12-31 (a month 01-12, a day the month has)");
		}
	if (valid[0] && valid[1] && strcmp(dates[1], dates[0]) < 0)
		json_fields_error(&f, "ends_on", "must be on or after starts_on");
	char first[11], last[11];
	if (code && period_code_valid(code) && period_span(code, first, last)) {
		/* A period's code says its dates: 2093-Q4 with January's dates is a typo. */
		char why[160];
		snprintf(why, sizeof(why), "must lie within %s, which runs from %s to %s", code,
		         first, last);
		for (int i = 0; i < 2; i++)
			if (valid[i] && (strcmp(dates[i], first) < 0 || strcmp(dates[i], last) > 0))
				json_fields_error(&f, names[i], why);
	}
	static const char *const allowed[] = { "code", "starts_on", "ends_on", "due_on", NULL };
	json_fields_reject_unknown(&f, allowed);
	if (json_fields_failed(ctx, &f)) {
		cJSON_Delete(body);
		return;
	}
	const char *values[] = { ctx->caller.user_id, code, dates[0], dates[1], dates[2] };
	http_query(ctx, &sql_period_create, values, period_created);
	cJSON_Delete(body);
}

/*
 * Closing may say why; re-opening a closed period must (the reason goes into
 * the audit trail as the event's note). A close without a body stays valid.
 */
static void
period_set_closed(struct http_ctx *ctx, bool closed)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(ctx->req);
	cJSON *body = evbuffer_get_length(in) > 0 ? json_body_parse(ctx) : cJSON_CreateObject();
	if (!body)
		return;
	const char *reason = NULL;
	struct json_fields f;
	json_fields_init(&f, body);
	json_field_string(&f, "reason", !closed, 2000, &reason);
	static const char *const allowed[] = { "reason", NULL };
	json_fields_reject_unknown(&f, allowed);
	if (json_fields_failed(ctx, &f)) {
		cJSON_Delete(body);
		return;
	}
	const char *values[] = { ctx->caller.user_id, route_match_param(&ctx->match, "code"),
		                 closed ? "t" : "f", reason };
	http_query(ctx, &sql_period_set_closed, values, period_changed);
	cJSON_Delete(body);
}

void
api_periods_close(struct http_ctx *ctx)
{
	period_set_closed(ctx, true);
}

void
api_periods_reopen(struct http_ctx *ctx)
{
	period_set_closed(ctx, false);
}

static const struct api_param report_params[] = {
	{ "period", PARAM_PERIOD }, { "province", PARAM_PROVINCE }, { "state", PARAM_REPORT_STATE },
	{ "limit", PARAM_LIMIT },   { "cursor", PARAM_CURSOR },     { "document", PARAM_DOCUMENT },
};

void
api_reports_list(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, report_params, PT_ARRAY_LEN(report_params), &q))
		return;
	const char *role, *province;
	caller(ctx, &role, &province);
	const char *values[] = { role,         province,    q.values[0],
		                 q.values[1],  q.values[2], api_query_after(&q),
		                 q.limit_text, q.values[5] };
	api_read_page(ctx, &q, &sql_report_list, values);
}

void
api_reports_get(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, NULL, 0, &q))
		return;
	const char *role, *province;
	caller(ctx, &role, &province);
	const char *id = route_match_param(&ctx->match, "id");
	const char *values[] = { role, province, id };
	api_read_object(ctx, &sql_report_get, values, "report", id);
	api_query_clear(&q);
}

/*
 * Checks report items [{task, status, progress, narrative?, evidence?}] into a
 * clean array. Statuses go as given: the database knows the workflow's, and
 * the report functions refuse one it does not.
 */
static cJSON *
report_items(struct json_fields *f, const cJSON *items)
{
	cJSON *out = cJSON_CreateArray();
	if (!cJSON_IsArray(items) || cJSON_GetArraySize(items) > 1000) {
		json_fields_error(f, "items", "must be a list of at most 1000 items");
		return out;
	}
	int i = 0;
	for (const cJSON *it = items->child; it; it = it->next, i++) {
		char name[48];
		const cJSON *task = cJSON_GetObjectItemCaseSensitive(it, "task");
		const cJSON *progress = cJSON_GetObjectItemCaseSensitive(it, "progress");
		const cJSON *narrative = cJSON_GetObjectItemCaseSensitive(it, "narrative");
		const cJSON *evidence = cJSON_GetObjectItemCaseSensitive(it, "evidence");
		snprintf(name, sizeof(name), "items[%d]", i);
		if (!cJSON_IsObject(it)) {
			json_fields_error(f, name, "must be an object");
			continue;
		}
		for (const cJSON *m = it->child; m; m = m->next)
			if (strcmp(m->string, "task") && strcmp(m->string, "status") &&
			    strcmp(m->string, "progress") && strcmp(m->string, "narrative") &&
			    strcmp(m->string, "evidence")) {
				snprintf(name, sizeof(name), "items[%d].%.20s", i, m->string);
				json_fields_error(f, name, "is not a field of a report item");
			}
		snprintf(name, sizeof(name), "items[%d].task", i);
		if (!cJSON_IsNumber(task) || task->valuedouble < 1 || task->valuedouble > 1e15 ||
		    task->valuedouble != (double)(long long)task->valuedouble)
			json_fields_error(f, name, "must be a task id");
		snprintf(name, sizeof(name), "items[%d].progress", i);
		if (!cJSON_IsNumber(progress) || progress->valuedouble < 0 ||
		    progress->valuedouble > 100 ||
		    progress->valuedouble != (double)(int)progress->valuedouble)
			json_fields_error(f, name, "must be a whole number from 0 to 100");
		snprintf(name, sizeof(name), "items[%d].narrative", i);
		if (narrative &&
		    (!cJSON_IsString(narrative) || pt_utf8_chars(narrative->valuestring) > 5000))
			json_fields_error(f, name, "must be text of at most 5000 characters");
		for (const cJSON *earlier = items->child; earlier != it; earlier = earlier->next) {
			const cJSON *et = cJSON_GetObjectItemCaseSensitive(earlier, "task");
			if (cJSON_IsNumber(et) && cJSON_IsNumber(task) &&
			    et->valuedouble == task->valuedouble) {
				snprintf(name, sizeof(name), "items[%d].task", i);
				json_fields_error(f, name, "names a task an earlier item names");
				break;
			}
		}
		if (evidence) {
			snprintf(name, sizeof(name), "items[%d].", i);
			api_evidence_check(f, evidence, name);
		}
		cJSON_AddItemToArray(out, cJSON_Duplicate(it, 1));
	}
	return out;
}

static void
report_created(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	/* Also on report_exists: it points at the province's current report. */
	if (PQntuples(r->res) == 1 && !PQgetisnull(r->res, 0, 6)) {
		char location[64];
		snprintf(location, sizeof(location), "/api/v1/reports/%s",
		         PQgetvalue(r->res, 0, 6));
		http_set_header(ctx, "Location", location);
	}
	if (api_refused(ctx, r->res, 0))
		return;
	/* The same key with the same body: the report the first request filed. */
	if (PQgetvalue(r->res, 0, 5)[0] == 't')
		http_set_header(ctx, "Idempotent-Replayed", "true");
	api_reply_json_text_status(ctx, 201, PQgetvalue(r->res, 0, 7));
}

/*
 * A user scoped to a node reports for its node (node reports, approved
 * bottom-up), not for the whole province: it neither files nor changes the
 * province's report. Answers 403 and returns true for such a caller.
 */
static bool
node_scoped_refused(struct http_ctx *ctx)
{
	if (!ctx->caller.node[0])
		return false;
	http_reply_problem(
	    ctx, 403, "forbidden", NULL,
	    "you are scoped to a node of the province's organisation tree: file "
	    "your node's report (POST /api/v1/provinces/{code}/node-reports/{period}); "
	    "the province's report is its whole office's",
	    NULL);
	return true;
}

void
api_reports_create(struct http_ctx *ctx)
{
	if (node_scoped_refused(ctx))
		return;
	const char *key =
	    evhttp_find_header(evhttp_request_get_input_headers(ctx->req), "Idempotency-Key");
	bool key_ok = key && strlen(key) >= 1 && strlen(key) <= 200;
	for (const char *c = key; key_ok && *c; c++)
		key_ok = *c > 0x20 && *c < 0x7f;
	if (key && !key_ok) {
		http_reply_problem(ctx, 400, "validation", NULL,
		                   "Idempotency-Key must be 1 to 200 printable ASCII characters",
		                   NULL);
		return;
	}
	cJSON *body = json_body_parse(ctx);
	if (!body)
		return;
	struct json_fields f;
	json_fields_init(&f, body);
	const char *period = NULL, *summary = NULL;
	if (json_field_string(&f, "period", true, 7, &period) && !period_code_valid(period))
		json_fields_error(&f, "period", "must be a period code such as 2017-Q2");
	json_field_string(&f, "summary", true, 20000, &summary);
	cJSON *items = report_items(&f, cJSON_GetObjectItemCaseSensitive(body, "items"));
	static const char *const allowed[] = { "period", "summary", "items", NULL };
	json_fields_reject_unknown(&f, allowed);
	if (json_fields_failed(ctx, &f)) {
		cJSON_Delete(items);
		cJSON_Delete(body);
		return;
	}
	/* The retry check compares the body's bytes: the same key must come with the same body. */
	struct evbuffer *in = evhttp_request_get_input_buffer(ctx->req);
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(digest, evbuffer_pullup(in, -1), evbuffer_get_length(in));
	char hash[65];
	sodium_bin2hex(hash, sizeof(hash), digest, sizeof(digest));
	char *items_text = cJSON_PrintUnformatted(items);
	const char *role, *province;
	caller(ctx, &role, &province);
	const char *values[] = { role, province, ctx->caller.user_id, period, summary, items_text,
		                 key,  hash };
	http_query(ctx, &sql_report_create, values, report_created);
	free(items_text);
	cJSON_Delete(items);
	cJSON_Delete(body);
}

static void
report_changed(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	if (api_refused(ctx, r->res, 0))
		return;
	api_reply_json_text(ctx, PQgetvalue(r->res, 0, 5));
}

void
api_reports_edit(struct http_ctx *ctx)
{
	if (node_scoped_refused(ctx))
		return;
	cJSON *body = json_body_parse(ctx);
	if (!body)
		return;
	struct json_fields f;
	json_fields_init(&f, body);
	const char *summary = NULL;
	json_field_string(&f, "summary", false, 20000, &summary);
	cJSON *given = cJSON_GetObjectItemCaseSensitive(body, "items");
	cJSON *items = given ? report_items(&f, given) : NULL;
	static const char *const allowed[] = { "summary", "items", NULL };
	json_fields_reject_unknown(&f, allowed);
	if (!body->child)
		json_fields_error(&f, "body", "name at least one field to change");
	if (json_fields_failed(ctx, &f)) {
		cJSON_Delete(items);
		cJSON_Delete(body);
		return;
	}
	char *items_text = items ? cJSON_PrintUnformatted(items) : NULL;
	const char *role, *province;
	caller(ctx, &role, &province);
	const char *values[] = {
		role,    province,  ctx->caller.user_id, route_match_param(&ctx->match, "id"),
		summary, items_text
	};
	http_query(ctx, &sql_report_edit, values, report_changed);
	free(items_text);
	cJSON_Delete(items);
	cJSON_Delete(body);
}

static void
report_acted(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	if (api_refused(ctx, r->res, 0))
		return;
	/* A revision is a new report, answered as one. */
	bool revised = ctx->match.route->handler == api_reports_revise;
	if (revised) {
		char location[64];
		snprintf(location, sizeof(location), "/api/v1/reports/%s",
		         PQgetvalue(r->res, 0, 4));
		http_set_header(ctx, "Location", location);
	}
	api_reply_json_text_status(ctx, revised ? 201 : 200, PQgetvalue(r->res, 0, 5));
}

/* The optional body of an action: {} or {"comment": "..."} (or nothing at all). */
static void
report_action(struct http_ctx *ctx, const char *action)
{
	if (node_scoped_refused(ctx))
		return;
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
	const char *role, *province;
	caller(ctx, &role, &province);
	const char *values[] = {
		role,   province, ctx->caller.user_id, route_match_param(&ctx->match, "id"),
		action, comment
	};
	http_query(ctx, &sql_report_act, values, report_acted);
	cJSON_Delete(body);
}

void
api_reports_submit(struct http_ctx *ctx)
{
	report_action(ctx, "submit");
}

void
api_reports_accept(struct http_ctx *ctx)
{
	report_action(ctx, "accept");
}

void
api_reports_return(struct http_ctx *ctx)
{
	report_action(ctx, "return");
}

void
api_reports_revise(struct http_ctx *ctx)
{
	report_action(ctx, "revise");
}

static const struct api_param compliance_params[] = { { "period", PARAM_PERIOD },
	                                              { "document", PARAM_DOCUMENT } };

void
api_reporting_compliance(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, compliance_params, PT_ARRAY_LEN(compliance_params), &q))
		return;
	/* '*' asks for every period (sql/reports/reporting_compliance.sql). */
	const char *values[] = { q.values[0] ? q.values[0] : "*", q.values[1] };
	api_read_object_checked(ctx, &q, &sql_reporting_compliance, values, "period", values[0]);
}

static const struct api_param reminder_params[] = { { "days", PARAM_DAYS },
	                                            { "document", PARAM_DOCUMENT } };

void
api_reminders(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, reminder_params, PT_ARRAY_LEN(reminder_params), &q))
		return;
	const char *days = q.values[0] ? q.values[0] : "7";
	const char *agency = ctx->caller.agency[0] ? ctx->caller.agency : NULL;
	/* A user scoped to a node is reminded of its subtree's items: its node's code
	 * goes where the province would (fragment work_item_carried, the only use). */
	const char *province = ctx->caller.node[0]       ? ctx->caller.node
	                       : ctx->caller.province[0] ? ctx->caller.province
	                                                 : NULL;
	/* The caller's: work items are reminded to the agency or office that carries them. */
	const char *values[] = { role_name(ctx->caller.role), agency, province, days, q.values[1] };
	api_read_object_checked(ctx, &q, &sql_reminder_list, values, "reminders", days);
}

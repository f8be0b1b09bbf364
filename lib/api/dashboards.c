#include "api/dashboards.h"

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/params.h"
#include "cache/caches.h"
#include "cache/flights.h"
#include "core/app.h"
#include "http/server.h"
#include "pg/statements.h"

/* Parameters: $1 agency, $2 province, $3 section, $4 as_of; the CSV choice is not SQL's. */
static const struct api_param params[] = {
	{ "agency", PARAM_AGENCY }, { "province", PARAM_PROVINCE }, { "section", PARAM_SECTION },
	{ "as_of", PARAM_DATE },    { "format", PARAM_FORMAT },
};

/*
 * The tasks a dashboard counts: the same filters GET /api/v1/tasks applies,
 * in their current state, or (as_of) as they stood at the end of that day,
 * rebuilt from the audit trail by tasks_as_of().
 */
#define SQL_FILTERED_TASKS                                                                         \
	"(SELECT t.id, t.measure_id, t.agency_code, t.province_code, t.role, t.last_note, "        \
	"m.code AS measure_code, s.code AS section_code, s.chapter, "                              \
	"CASE WHEN $4::date IS NULL THEN t.status ELSE a.status END AS status, "                   \
	"CASE WHEN $4::date IS NULL THEN t.progress ELSE a.progress END AS progress, "             \
	"CASE WHEN $4::date IS NULL THEN t.due_date ELSE a.due_date END AS due_date, "             \
	"CASE WHEN $4::date IS NULL THEN coalesce(t.rag_override, task_rag_derived(t.status, "     \
	"t.progress, t.due_date, t.updated_at)) ELSE a.rag END AS rag, "                           \
	"CASE WHEN $4::date IS NULL THEN task_overdue(t.status, t.due_date) ELSE a.is_overdue "    \
	"END AS is_overdue "                                                                       \
	"FROM tasks t JOIN measures m ON m.id = t.measure_id JOIN sections s ON s.id = "           \
	"m.section_id LEFT JOIN tasks_as_of($4::date) a ON a.id = t.id "                           \
	"WHERE ($1::text IS NULL OR t.agency_code = $1) AND ($2::text IS NULL OR "                 \
	"t.province_code = $2) AND ($3::text IS NULL OR s.code = $3 OR s.code LIKE $3 || '.%') "   \
	"AND ($4::date IS NULL OR a.id IS NOT NULL))"

/* The day the figures are for: as_of, or today. */
#define SQL_DAY "coalesce($4::date, current_date)"

/* The figures of a group of filtered tasks `f`, as JSON fields. */
#define SQL_FIGURES                                                                                \
	"'tasks', count(f.id), "                                                                   \
	"'not_started', count(f.id) FILTER (WHERE f.status = 'not_started'), "                     \
	"'in_progress', count(f.id) FILTER (WHERE f.status = 'in_progress'), "                     \
	"'blocked', count(f.id) FILTER (WHERE f.status = 'blocked'), "                             \
	"'completed', count(f.id) FILTER (WHERE f.status = 'completed'), "                         \
	"'verified', count(f.id) FILTER (WHERE f.status = 'verified'), "                           \
	"'red', count(f.id) FILTER (WHERE f.rag = 'red'), "                                        \
	"'amber', count(f.id) FILTER (WHERE f.rag = 'amber'), "                                    \
	"'green', count(f.id) FILTER (WHERE f.rag = 'green'), "                                    \
	"'overdue', count(f.id) FILTER (WHERE f.is_overdue), "                                     \
	"'completion_pct', coalesce(round(100.0 * count(f.id) FILTER (WHERE f.status IN "          \
	"('completed', 'verified')) / nullif(count(f.id), 0), 2), 0)"

/* A filter value that matches nothing is a 400, as on the task list. */
#define SQL_UNKNOWN_FILTER                                                                         \
	"CASE WHEN $1::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM agencies WHERE code = $1) "  \
	"THEN 'agency' WHEN $2::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM provinces WHERE "   \
	"code = $2) THEN 'province' WHEN $3::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "      \
	"sections WHERE code = $3) THEN 'section' END"

struct dashboard {
	struct flight_waiter wait; /* while waiting for an identical request's answer */
	struct http_ctx *ctx;
	struct api_query q;
	bool csv;
	char *cache_key;       /* NULL when the answer is not to be kept */
	uint64_t generation;   /* the dashboard cache's, when the query was sent */
	struct flight *flight; /* while this request computes for others too */
	/* The statement to run, kept so that a waiter can run it after all. */
	const char *sql;
	int nvalues;
	const char *values[7];
	http_db_fn done;
};

static void
end_flight(struct http_ctx *ctx, struct dashboard *d, const void *body, size_t len,
           const struct db_result *failure)
{
	struct flight *f = d->flight;
	d->flight = NULL;
	if (f)
		flight_end(ctx->app->caches->dashboard_flights, f, body, len, failure);
}

static void
dashboard_free(void *state)
{
	struct dashboard *d = state;
	flight_leave(&d->wait);
	/* Answered without an answer to share (a 400, a shutdown): waiters compute their own. */
	end_flight(d->ctx, d, NULL, 0, NULL);
	api_query_clear(&d->q);
	free(d->cache_key);
	free(d);
}

static void
run_query(struct dashboard *d)
{
	http_query(d->ctx, d->sql, d->nvalues, d->values, d->done);
}

static const char *
content_type(const struct dashboard *d)
{
	return d->csv ? "text/csv; charset=utf-8" : "application/json";
}

/* Sends body (JSON or CSV) and keeps a copy for the next identical request. */
static void
reply_and_keep(struct http_ctx *ctx, struct evbuffer *body)
{
	struct dashboard *d = ctx->state;
	struct caches *caches = ctx->app->caches;
	if (d->cache_key) {
		size_t len = evbuffer_get_length(body);
		const void *bytes = evbuffer_pullup(body, -1);
		answer_cache_put(caches->dashboards, d->cache_key, d->generation,
		                 caches_deadline(caches), bytes, len);
		end_flight(ctx, d, bytes, len, NULL);
	}
	if (d->csv)
		http_set_header(ctx, "Content-Disposition", "inline; filename=\"dashboard.csv\"");
	http_reply_buffer(ctx, 200, content_type(d), body);
}

static bool
wants_csv(struct http_ctx *ctx, const struct api_query *q)
{
	const char *format = api_query_get(q, "format");
	if (format)
		return strcmp(format, "csv") == 0;
	const char *accept =
	    evhttp_find_header(evhttp_request_get_input_headers(ctx->req), "Accept");
	return accept && strstr(accept, "text/csv") && !strstr(accept, "application/json");
}

static void
csv_cell(struct evbuffer *out, const cJSON *v)
{
	char *text = NULL;
	const char *s = "";
	if (cJSON_IsString(v)) {
		s = v->valuestring;
	} else if (v && !cJSON_IsNull(v)) {
		text = cJSON_PrintUnformatted(v);
		s = text;
	}
	if (strpbrk(s, ",\"\r\n")) {
		evbuffer_add(out, "\"", 1);
		for (const char *c = s; *c; c++) {
			if (*c == '"')
				evbuffer_add(out, "\"", 1);
			evbuffer_add(out, c, 1);
		}
		evbuffer_add(out, "\"", 1);
	} else {
		evbuffer_add(out, s, strlen(s));
	}
	free(text);
}

static bool
has_name(const cJSON *names, const char *name)
{
	for (const cJSON *n = names->child; n; n = n->next)
		if (strcmp(n->valuestring, name) == 0)
			return true;
	return false;
}

/*
 * Flattens {a: {b: 1}} into columns "a.b", in the order first seen over all
 * rows (a null cell defines no column: another row's object will).
 */
static void
collect_columns(const cJSON *row, const char *prefix, cJSON *names)
{
	for (const cJSON *m = row->child; m; m = m->next) {
		char name[128];
		snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "." : "", m->string);
		if (cJSON_IsObject(m))
			collect_columns(m, name, names);
		else if (!cJSON_IsNull(m) && !has_name(names, name))
			cJSON_AddItemToArray(names, cJSON_CreateString(name));
	}
}

static const cJSON *
lookup(const cJSON *row, const char *dotted)
{
	char path[128];
	snprintf(path, sizeof(path), "%s", dotted);
	const cJSON *v = row;
	for (char *part = strtok(path, "."); part && v; part = strtok(NULL, "."))
		v = cJSON_GetObjectItemCaseSensitive(v, part);
	return v;
}

/* The CSV form of a dashboard: its "rows", one line each, with a BOM for Excel. */
static void
reply_csv(struct http_ctx *ctx, const char *json)
{
	cJSON *doc = cJSON_Parse(json);
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(doc, "rows");
	struct evbuffer *out = evbuffer_new();
	evbuffer_add(out, "\xEF\xBB\xBF", 3);
	cJSON *names = cJSON_CreateArray();
	for (const cJSON *row = cJSON_IsArray(rows) ? rows->child : NULL; row; row = row->next)
		collect_columns(row, "", names);
	int i = 0;
	for (const cJSON *n = names->child; n; n = n->next, i++) {
		if (i)
			evbuffer_add(out, ",", 1);
		csv_cell(out, n);
	}
	evbuffer_add(out, "\r\n", 2);
	for (const cJSON *row = rows ? rows->child : NULL; row; row = row->next) {
		i = 0;
		for (const cJSON *n = names->child; n; n = n->next, i++) {
			if (i)
				evbuffer_add(out, ",", 1);
			csv_cell(out, lookup(row, n->valuestring));
		}
		evbuffer_add(out, "\r\n", 2);
	}
	cJSON_Delete(names);
	cJSON_Delete(doc);
	reply_and_keep(ctx, out);
	evbuffer_free(out);
}

/* The identical request this one waited for has its answer, or failed. */
static void
on_flight_landed(struct flight_waiter *w, const void *body, size_t len, const void *failure)
{
	struct dashboard *d = (struct dashboard *)w;
	if (failure) {
		/* The database timed out or is down for this query: repeating it at once helps no
		 * one. */
		http_reply_db_failure(d->ctx, failure);
		return;
	}
	if (!body) {
		run_query(d);
		return;
	}
	struct evbuffer *copy = evbuffer_new();
	evbuffer_add(copy, body, len);
	free(d->cache_key);
	d->cache_key = NULL;
	reply_and_keep(d->ctx, copy);
	evbuffer_free(copy);
}

/*
 * Takes d as ctx's state and answers from the cache when it can (true), or
 * joins an identical request already computing (true: answered later). The
 * key is the route and every parsed parameter, so two spellings of one query
 * share an answer and the format is part of it.
 */
static bool
dashboard_begin(struct http_ctx *ctx, struct dashboard *d)
{
	d->csv = wants_csv(ctx, &d->q);
	d->ctx = ctx;
	ctx->state = d;
	ctx->state_free = dashboard_free;
	struct caches *caches = ctx->app->caches;
	if (!caches || !caches_fresh(caches)) {
		http_set_header(ctx, "Cache-Status", "policytrackd; fwd=bypass");
		return false;
	}
	struct evbuffer *key = evbuffer_new();
	evbuffer_add_printf(key, "%s|%s", ctx->match.route->pattern, d->csv ? "csv" : "json");
	for (size_t i = 0; i < d->q.nspecs; i++)
		evbuffer_add_printf(key, "|%s=%s", d->q.specs[i].name,
		                    d->q.values[i] ? d->q.values[i] : "\x01");
	evbuffer_add(key, "", 1);
	d->cache_key = xstrdup((const char *)evbuffer_pullup(key, -1));
	evbuffer_free(key);
	size_t len;
	const void *hit = answer_cache_get(caches->dashboards, d->cache_key, &len);
	if (!hit) {
		d->generation = answer_cache_generation(caches->dashboards);
		struct flight *f =
		    flights_find(caches->dashboard_flights, d->cache_key, d->generation);
		if (f) {
			http_set_header(ctx, "Cache-Status", "policytrackd; fwd=miss; collapsed");
			d->wait.done = on_flight_landed;
			flight_join(f, &d->wait);
			return true;
		}
		d->flight = flights_start(caches->dashboard_flights, d->cache_key, d->generation);
		http_set_header(ctx, "Cache-Status", "policytrackd; fwd=miss");
		return false;
	}
	http_set_header(ctx, "Cache-Status", "policytrackd; hit");
	struct evbuffer *body = evbuffer_new();
	evbuffer_add(body, hit, len);
	free(d->cache_key);
	d->cache_key = NULL;
	reply_and_keep(ctx, body);
	evbuffer_free(body);
	return true;
}

static void
dashboard_done(struct http_ctx *ctx, const struct db_result *r)
{
	struct dashboard *d = ctx->state;
	if (r->status != DB_OK) {
		if (r->status != DB_SQL_ERROR)
			end_flight(ctx, d, NULL, 0, r);
		http_reply_db_failure(ctx, r);
		return;
	}
	if (!PQgetisnull(r->res, 0, 1)) {
		const char *field = PQgetvalue(r->res, 0, 1);
		cJSON *errors = cJSON_CreateObject();
		char msg[128];
		snprintf(msg, sizeof(msg), "'%.40s' matches no %s in the catalogue",
		         api_query_get(&d->q, field) ? api_query_get(&d->q, field) : "", field);
		cJSON_AddStringToObject(errors, field, msg);
		http_reply_problem(ctx, 400, "invalid-query", "Invalid query parameters",
		                   "a filter names something that does not exist; see errors",
		                   errors);
		return;
	}
	if (d->csv) {
		reply_csv(ctx, PQgetvalue(r->res, 0, 0));
	} else {
		struct evbuffer *body = evbuffer_new();
		evbuffer_add(body, PQgetvalue(r->res, 0, 0), (size_t)PQgetlength(r->res, 0, 0));
		reply_and_keep(ctx, body);
		evbuffer_free(body);
	}
}

static void
trend_done(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status == DB_OK && PQgetisnull(r->res, 0, 0) && PQgetisnull(r->res, 0, 1)) {
		cJSON *errors = cJSON_CreateObject();
		cJSON_AddStringToObject(errors, "from", "from and to span more than 120 points");
		http_reply_problem(ctx, 400, "invalid-query", "Invalid query parameters",
		                   "the trend is too long; see errors", errors);
		return;
	}
	dashboard_done(ctx, r);
}

/* Runs a dashboard statement: $1-$3 are the filters, $4 as_of; it yields (json, unknown filter). */
static void
run(struct http_ctx *ctx, const char *sql)
{
	struct dashboard *d = xcalloc(1, sizeof(*d));
	if (!api_query_parse(ctx, params, PT_ARRAY_LEN(params), &d->q)) {
		free(d);
		return;
	}
	d->sql = sql;
	d->nvalues = 4;
	for (int i = 0; i < 4; i++)
		d->values[i] = d->q.values[i];
	d->done = dashboard_done;
	if (dashboard_begin(ctx, d))
		return;
	run_query(d);
}

static const char *const summary_params[] = {
	"$1 agency text", "$2 province text", "$3 section text", "$4 as_of date", NULL,
};

/*
 * last_change_at: a subquery for each case, not one with "$4 IS NULL OR at <
 * ...", so that a generic plan too finds the latest event with one probe of
 * events_at (migration 0012) instead of reading the whole trail.
 */
const struct statement stmt_dashboard_summary = {
	"dashboard_summary",
	"WITH f AS " SQL_FILTERED_TASKS ", "
	"cur AS (SELECT code FROM periods WHERE starts_on <= current_date "
	"ORDER BY starts_on DESC, code LIMIT 1), "
	"totals AS (SELECT json_build_object(" SQL_FIGURES ") AS j FROM f) "
	"SELECT json_build_object('totals', (SELECT j FROM totals), "
	"'reports', json_build_object('period', (SELECT code FROM cur), 'by_state', "
	"(SELECT json_build_object('missing', 4 - count(r.id), 'draft', count(r.id) FILTER "
	"(WHERE r.state = 'draft'), 'submitted', count(r.id) FILTER (WHERE r.state = "
	"'submitted'), 'accepted', count(r.id) FILTER (WHERE r.state = 'accepted'), "
	"'returned', count(r.id) FILTER (WHERE r.state = 'returned')) FROM reports r "
	"WHERE r.is_current AND r.period_code = (SELECT code FROM cur))), "
	"'as_of', $4::date, "
	"'last_change_at', CASE WHEN $4::date IS NULL THEN (SELECT max(at) FROM events) ELSE "
	"(SELECT max(at) FROM events WHERE at < $4::date + 1) END, "
	"'rows', json_build_array((SELECT j FROM totals)))::text, " SQL_UNKNOWN_FILTER,
	summary_params,
};

void
api_dashboard_summary(struct http_ctx *ctx)
{
	run(ctx, stmt_dashboard_summary.sql);
}

void
api_dashboard_by_agency(struct http_ctx *ctx)
{
	run(ctx,
	    "WITH f AS " SQL_FILTERED_TASKS ", "
	    "rows AS (SELECT a.sort_order, json_build_object('agency', a.code, 'name_zh', "
	    "a.name_zh, 'name_en', a.name_en, " SQL_FIGURES ") AS j FROM agencies a "
	    "LEFT JOIN f ON f.agency_code = a.code WHERE $1::text IS NULL OR a.code = $1 "
	    "GROUP BY a.code) "
	    "SELECT json_build_object('rows', (SELECT coalesce(json_agg(j ORDER BY sort_order), "
	    "'[]') FROM rows))::text, " SQL_UNKNOWN_FILTER);
}

void
api_dashboard_by_province(struct http_ctx *ctx)
{
	run(ctx,
	    "WITH f AS " SQL_FILTERED_TASKS ", "
	    "rows AS (SELECT p.sort_order, json_build_object('province', p.code, 'name_zh', "
	    "p.name_zh, 'name_en', p.name_en, " SQL_FIGURES ") AS j FROM provinces p "
	    "LEFT JOIN f ON f.province_code = p.code WHERE $2::text IS NULL OR p.code = $2 "
	    "GROUP BY p.code) "
	    "SELECT json_build_object('rows', (SELECT coalesce(json_agg(j ORDER BY sort_order), "
	    "'[]') FROM rows))::text, " SQL_UNKNOWN_FILTER);
}

void
api_dashboard_by_section(struct http_ctx *ctx)
{
	/* Chapters and parts of chapters 三–七, each counting its own tasks (a chapter its parts').
	 */
	run(ctx,
	    "WITH f AS " SQL_FILTERED_TASKS ", "
	    "rows AS (SELECT x.sort_order, json_build_object('section', x.code, 'level', "
	    "CASE WHEN x.part IS NULL THEN 'chapter' ELSE 'part' END, 'title_zh', x.title_zh, "
	    "'title_en', x.title_en, " SQL_FIGURES ") AS j FROM sections x LEFT JOIN f ON "
	    "f.section_code = x.code OR (x.part IS NULL AND f.chapter = x.chapter) "
	    "WHERE x.chapter >= 3 AND ($3::text IS NULL OR x.code = $3 OR x.code LIKE $3 || "
	    "'.%' OR $3 LIKE x.code || '.%') GROUP BY x.id) "
	    "SELECT json_build_object('rows', (SELECT coalesce(json_agg(j ORDER BY sort_order), "
	    "'[]') FROM rows))::text, " SQL_UNKNOWN_FILTER);
}

void
api_dashboard_matrix(struct http_ctx *ctx)
{
	/*
	 * One row per measure; per province the lead agency's task, support agencies in detail.
	 * The cells are grouped by measure in one pass (byp): a lookup per measure and province
	 * would scan all the cells each time, 9 s at 20,000 tasks.
	 */
	run(ctx,
	    "WITH f AS " SQL_FILTERED_TASKS ", "
	    "cells AS (SELECT f.measure_id, f.province_code, json_build_object("
	    "'status', (array_agg(f.status ORDER BY f.agency_code) FILTER (WHERE f.role = "
	    "'lead'))[1], 'rag', (array_agg(f.rag ORDER BY f.agency_code) FILTER (WHERE f.role = "
	    "'lead'))[1], 'tasks', count(*), 'support', coalesce(json_agg(json_build_object("
	    "'agency', f.agency_code, 'status', f.status, 'rag', f.rag) ORDER BY f.agency_code) "
	    "FILTER (WHERE f.role = 'support'), '[]')) AS cell FROM f GROUP BY f.measure_id, "
	    "f.province_code), "
	    "byp AS (SELECT c.measure_id, "
	    "(array_agg(c.cell) FILTER (WHERE c.province_code = 'CN-NM'))[1] AS nm, "
	    "(array_agg(c.cell) FILTER (WHERE c.province_code = 'CN-LN'))[1] AS ln, "
	    "(array_agg(c.cell) FILTER (WHERE c.province_code = 'CN-JL'))[1] AS jl, "
	    "(array_agg(c.cell) FILTER (WHERE c.province_code = 'CN-HL'))[1] AS hl "
	    "FROM cells c GROUP BY c.measure_id), "
	    "rows AS (SELECT m.sort_order, json_build_object('measure', m.code, 'text_zh', "
	    "m.text_zh, 'CN-NM', b.nm, 'CN-LN', b.ln, 'CN-JL', b.jl, 'CN-HL', b.hl) AS j "
	    "FROM byp b JOIN measures m ON m.id = b.measure_id) "
	    "SELECT json_build_object('provinces', json_build_array('CN-NM', 'CN-LN', 'CN-JL', "
	    "'CN-HL'), 'rows', (SELECT coalesce(json_agg(j ORDER BY sort_order), '[]') FROM "
	    "rows))::text, " SQL_UNKNOWN_FILTER);
}

void
api_dashboard_overdue(struct http_ctx *ctx)
{
	run(ctx,
	    "WITH f AS " SQL_FILTERED_TASKS " "
	    "SELECT json_build_object('rows', (SELECT coalesce(json_agg(json_build_object("
	    "'task', f.id, 'measure', f.measure_code, 'agency', f.agency_code, 'agency_zh', "
	    "a.name_zh, 'province', f.province_code, 'province_zh', p.name_zh, 'status', "
	    "f.status, 'progress', f.progress, 'due_date', f.due_date, 'days_overdue', " SQL_DAY
	    " - f.due_date, 'last_note', f.last_note) ORDER BY " SQL_DAY " - "
	    "f.due_date DESC, f.id), '[]') FROM f JOIN agencies a ON a.code = f.agency_code "
	    "JOIN provinces p ON p.code = f.province_code WHERE "
	    "f.is_overdue))::text, " SQL_UNKNOWN_FILTER);
}

static const struct api_param trend_params[] = {
	{ "agency", PARAM_AGENCY }, { "province", PARAM_PROVINCE }, { "section", PARAM_SECTION },
	{ "from", PARAM_DATE },     { "to", PARAM_DATE },           { "interval", PARAM_INTERVAL },
	{ "format", PARAM_FORMAT },
};

/* Points on a trend at most: ten years of months. */
#define TREND_MAX_POINTS     120
#define TREND_MAX_POINTS_SQL PT_STR(TREND_MAX_POINTS)

/*
 * The end of each month (or quarter) from `from` to `to`, the last point
 * being `to` itself; at each, the counts by status that tasks_as_of()
 * gives. Not a rebuild of every task at every point (24 s for a year of
 * months at 20,000 tasks and 1M events) but one pass over when each
 * task's status changed (task_event_states, migration 0012): a status
 * holds from its change until the next, and a task counts from its
 * creation, not_started until its first change. Point i holds what
 * happened before its day ended, `th[i]`; width_bucket(x, th) is how many
 * of those ends are at or before x, so a run [at, until) of a task
 * created at c counts at points max(wb(at), wb(c)) + 1 to wb(until):
 * +1 at the first, -1 after the last, summed up to each point. A task
 * whose events are out of time order (`odd`: a clock stepped back) takes
 * tasks_as_of()'s slow path, task_field_at(), at each point. $4 (as_of)
 * is always NULL here.
 */
static const char trend_sql[] =
    "WITH points AS (SELECT least((date_trunc($7, g) + CASE WHEN $7 = 'month' THEN "
    "interval '1 month' ELSE interval '3 months' END - "
    "interval '1 day')::date, $6::date) AS day FROM generate_series(date_trunc($7, "
    "$5::date), $6::date, "
    "CASE WHEN $7 = 'month' THEN interval '1 month' ELSE interval '3 months' END) AS g), "
    /* The LIMIT changes no answer; it tells the planner there are few points. */
    "pts AS (SELECT day, row_number() OVER (ORDER BY day) AS i FROM points "
    "LIMIT " TREND_MAX_POINTS_SQL "), "
    "th AS (SELECT array_agg((day + 1)::timestamptz ORDER BY day) AS th, count(*) AS n "
    "FROM points), "
    "ft AS (SELECT t.id, t.created_at FROM tasks t JOIN measures m ON m.id = t.measure_id "
    "JOIN sections s ON s.id = m.section_id WHERE ($1::text IS NULL OR t.agency_code = $1) "
    "AND ($2::text IS NULL OR t.province_code = $2) AND ($3::text IS NULL OR s.code = $3 "
    "OR s.code LIKE $3 || '.%')), "
    "odd AS (SELECT coalesce(array_agg(o.task_id), '{}') AS ids FROM task_event_states o "
    "WHERE o.out_of_order), "
    "born AS MATERIALIZED (SELECT width_bucket(f.created_at, th.th) + 1 AS i, "
    "count(*) AS n FROM ft f CROSS JOIN th GROUP BY 1), "
    "runs AS (SELECT f.created_at, x.at, lead(x.at) OVER (PARTITION BY x.task_id "
    "ORDER BY x.at, x.event_id) AS until, coalesce(x.status, 'not_started') AS status "
    "FROM ft f JOIN task_event_states x ON x.task_id = f.id AND x.sets_status "
    "WHERE f.id <> ALL ((SELECT ids FROM odd)::bigint[])), "
    "spans AS (SELECT r.status, greatest(width_bucket(r.at, th.th), "
    "width_bucket(r.created_at, th.th)) + 1 AS lo, "
    "coalesce(width_bucket(r.until, th.th), th.n) AS hi FROM runs r CROSS JOIN th "
    "UNION ALL SELECT coalesce(task_field_at(f.id, 'status', p.day) #>> '{}', "
    "'not_started'), p.i, p.i FROM pts p JOIN ft f ON f.created_at < p.day + 1 "
    "AND f.id = ANY ((SELECT ids FROM odd)::bigint[])), "
    "steps AS MATERIALIZED (SELECT status, i, sum(d)::bigint AS d FROM ("
    "SELECT status, lo AS i, 1 AS d FROM spans WHERE lo <= hi UNION ALL "
    "SELECT status, hi + 1, -1 FROM spans WHERE lo <= hi) x GROUP BY status, i), "
    "rows AS (SELECT p.day, json_build_object('day', p.day, 'tasks', b.tasks, "
    "'not_started', b.tasks - coalesce(s.other, 0), "
    "'in_progress', coalesce(s.in_progress, 0), 'blocked', coalesce(s.blocked, 0), "
    "'completed', coalesce(s.completed, 0), 'verified', coalesce(s.verified, 0)) AS j "
    "FROM pts p CROSS JOIN LATERAL (SELECT coalesce(sum(b.n), 0)::bigint AS tasks "
    "FROM born b WHERE b.i <= p.i) b CROSS JOIN LATERAL (SELECT "
    "sum(s.d) FILTER (WHERE s.status <> 'not_started')::bigint AS other, "
    "sum(s.d) FILTER (WHERE s.status = 'in_progress')::bigint AS in_progress, "
    "sum(s.d) FILTER (WHERE s.status = 'blocked')::bigint AS blocked, "
    "sum(s.d) FILTER (WHERE s.status = 'completed')::bigint AS completed, "
    "sum(s.d) FILTER (WHERE s.status = 'verified')::bigint AS verified "
    "FROM steps s WHERE s.i <= p.i) s) "
    "SELECT CASE WHEN (SELECT count(*) FROM points) > " TREND_MAX_POINTS_SQL " "
    "THEN NULL ELSE json_build_object('interval', $7::text, 'rows', "
    "(SELECT coalesce(json_agg(j ORDER BY day), '[]') FROM rows))::text END, "
    "CASE WHEN $4::date IS NULL THEN " SQL_UNKNOWN_FILTER " END";

void
api_dashboard_trend(struct http_ctx *ctx)
{
	struct dashboard *d = xcalloc(1, sizeof(*d));
	if (!api_query_parse(ctx, trend_params, PT_ARRAY_LEN(trend_params), &d->q)) {
		free(d);
		return;
	}
	const char *from = d->q.values[3], *to = d->q.values[4];
	cJSON *errors = cJSON_CreateObject();
	if (!from)
		cJSON_AddStringToObject(errors, "from", "is required: a date YYYY-MM-DD");
	if (!to)
		cJSON_AddStringToObject(errors, "to", "is required: a date YYYY-MM-DD");
	if (from && to && strcmp(from, to) > 0)
		cJSON_AddStringToObject(errors, "to", "must not be before from");
	if (cJSON_GetArraySize(errors) > 0) {
		d->csv = wants_csv(ctx, &d->q);
		d->ctx = ctx;
		ctx->state = d;
		ctx->state_free = dashboard_free;
		http_reply_problem(ctx, 400, "invalid-query", "Invalid query parameters",
		                   "a trend needs from and to; see errors", errors);
		return;
	}
	cJSON_Delete(errors);
	const char *values[] = { d->q.values[0],
		                 d->q.values[1],
		                 d->q.values[2],
		                 NULL,
		                 from,
		                 to,
		                 d->q.values[5] ? d->q.values[5] : "month" };
	d->sql = trend_sql;
	d->nvalues = 7;
	memcpy(d->values, values, sizeof(values));
	d->done = trend_done;
	if (dashboard_begin(ctx, d))
		return;
	run_query(d);
}

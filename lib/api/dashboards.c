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
#include "core/csv.h"
#include "http/server.h"
#include "pg/sql_names.h"

/*
 * Parameters: $1 agency, $2 province, $3 section, $4 as_of, $5 document; the
 * CSV choice is not SQL's.
 */
static const struct api_param params[] = {
	{ "agency", PARAM_AGENCY }, { "province", PARAM_PROVINCE }, { "section", PARAM_SECTION },
	{ "as_of", PARAM_DATE },    { "document", PARAM_DOCUMENT }, { "format", PARAM_FORMAT },
};

struct dashboard {
	struct flight_waiter wait; /* while waiting for an identical request's answer */
	struct http_ctx *ctx;
	struct api_query q;
	bool csv;
	char *cache_key;       /* NULL when the answer is not to be kept */
	uint64_t generation;   /* the dashboard cache's, when the query was sent */
	struct flight *flight; /* while this request computes for others too */
	/* The statement to run, kept so that a waiter can run it after all. */
	const struct sql_statement *stmt;
	/* The scan to run when stmt, the sums, cannot answer (NULL: none). */
	const struct sql_statement *scan;
	const char *values[7];
	http_db_fn done;
	bool paged; /* the statement yields a page: the JSON gets limit and next */
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
	http_query(d->ctx, d->stmt, d->values, d->done);
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
buffer_sink(void *buffer, const void *bytes, size_t len)
{
	evbuffer_add(buffer, bytes, len);
}

/* A JSON value as a CSV field: a string as it is, null or missing empty, anything else as JSON. */
static void
csv_cell(struct csv_writer *w, const cJSON *v)
{
	if (cJSON_IsString(v)) {
		csv_field(w, v->valuestring);
	} else if (v && !cJSON_IsNull(v)) {
		char *text = cJSON_PrintUnformatted(v);
		csv_field(w, text);
		free(text);
	} else {
		csv_field(w, "");
	}
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

/* The CSV form of a dashboard: its "rows", one record each. */
static void
reply_csv(struct http_ctx *ctx, const char *json)
{
	cJSON *doc = cJSON_Parse(json);
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(doc, "rows");
	cJSON *names = cJSON_CreateArray();
	for (const cJSON *row = cJSON_IsArray(rows) ? rows->child : NULL; row; row = row->next)
		collect_columns(row, "", names);
	struct evbuffer *out = evbuffer_new();
	struct csv_writer w;
	csv_begin(&w, buffer_sink, out);
	for (const cJSON *n = names->child; n; n = n->next)
		csv_field(&w, n->valuestring);
	csv_end_record(&w);
	for (const cJSON *row = rows ? rows->child : NULL; row; row = row->next) {
		for (const cJSON *n = names->child; n; n = n->next)
			csv_cell(&w, lookup(row, n->valuestring));
		csv_end_record(&w);
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
	if (!caches || !caches->keep_dashboards || !caches_dashboards_fresh(caches)) {
		http_set_header(ctx, "Cache-Status", "policytrackd; fwd=bypass");
		return false;
	}
	struct evbuffer *key = evbuffer_new();
	evbuffer_add_printf(key, "%s|%s", ctx->match.route->pattern, d->csv ? "csv" : "json");
	for (size_t i = 0; i < d->q.nspecs; i++) {
		/* A page is its decoded position and size: limit=50 and no limit share one. */
		const char *v = d->q.values[i];
		if (d->q.specs[i].kind == PARAM_LIMIT)
			v = d->q.limit_text;
		else if (d->q.specs[i].kind == PARAM_CURSOR)
			v = api_query_after(&d->q);
		evbuffer_add_printf(key, "|%s=%s", d->q.specs[i].name, v ? v : "\x01");
	}
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
		api_reply_filter_problem(ctx, &d->q, PQgetvalue(r->res, 0, 1));
		return;
	}
	/* The sums could not answer (as_of, another time zone): the scan does. */
	if (PQgetisnull(r->res, 0, 0) && d->scan) {
		d->stmt = d->scan;
		d->scan = NULL;
		run_query(d);
		return;
	}
	if (d->csv) {
		reply_csv(ctx, PQgetvalue(r->res, 0, 0));
	} else if (d->paged) {
		struct evbuffer *body = evbuffer_new();
		api_json_object_add_open(body, PQgetvalue(r->res, 0, 0),
		                         (size_t)PQgetlength(r->res, 0, 0));
		api_page_tail_add(body, ctx->path, &d->q,
		                  PQgetisnull(r->res, 0, 2) ? NULL : PQgetvalue(r->res, 0, 2));
		evbuffer_add(body, "}", 1);
		reply_and_keep(ctx, body);
		evbuffer_free(body);
	} else {
		struct evbuffer *body = evbuffer_new();
		api_json_text_add(body, PQgetvalue(r->res, 0, 0),
		                  (size_t)PQgetlength(r->res, 0, 0));
		reply_and_keep(ctx, body);
		evbuffer_free(body);
	}
}

static void
trend_done(struct http_ctx *ctx, const struct db_result *r)
{
	struct dashboard *d = ctx->state;
	if (r->status == DB_OK && PQgetisnull(r->res, 0, 0) && PQgetisnull(r->res, 0, 1)) {
		/* The sums by day could not answer (another time zone, or too many
		 * points): the scan answers, or says it is too long. */
		if (d->scan) {
			d->stmt = d->scan;
			d->scan = NULL;
			run_query(d);
			return;
		}
		cJSON *errors = cJSON_CreateObject();
		/* 120: the statement's limit (sql/dashboards/dashboard_trend.sql). */
		cJSON_AddStringToObject(errors, "from", "from and to span more than 120 points");
		api_reply_invalid_query(ctx, "the trend is too long; see errors", errors);
		return;
	}
	dashboard_done(ctx, r);
}

/*
 * Runs one of the dashboards of sql/dashboards: $1-$3 are the filters, $4
 * as_of, $5 the document; it yields (json, the filter problem). With a scan,
 * stmt adds up the sums of dashboard_counts and yields a NULL answer when
 * they cannot answer, and the scan runs instead (docs/dashboards.md).
 */
static void
run_counted(struct http_ctx *ctx, const struct sql_statement *stmt,
            const struct sql_statement *scan)
{
	struct dashboard *d = xcalloc(1, sizeof(*d));
	if (!api_query_parse(ctx, params, PT_ARRAY_LEN(params), &d->q)) {
		free(d);
		return;
	}
	d->stmt = stmt;
	d->scan = scan;
	for (int i = 0; i < stmt->nparams; i++)
		d->values[i] = d->q.values[i];
	d->done = dashboard_done;
	if (dashboard_begin(ctx, d))
		return;
	run_query(d);
}

static void
run(struct http_ctx *ctx, const struct sql_statement *stmt)
{
	run_counted(ctx, stmt, NULL);
}

void
api_dashboard_summary(struct http_ctx *ctx)
{
	run_counted(ctx, &sql_dashboard_summary_counts, &sql_dashboard_summary);
}

void
api_dashboard_by_agency(struct http_ctx *ctx)
{
	run_counted(ctx, &sql_dashboard_by_agency_counts, &sql_dashboard_by_agency);
}

void
api_dashboard_by_province(struct http_ctx *ctx)
{
	run_counted(ctx, &sql_dashboard_by_province_counts, &sql_dashboard_by_province);
}

void
api_dashboard_by_document(struct http_ctx *ctx)
{
	run_counted(ctx, &sql_dashboard_by_document_counts, &sql_dashboard_by_document);
}

void
api_dashboard_by_section(struct http_ctx *ctx)
{
	run_counted(ctx, &sql_dashboard_by_section_counts, &sql_dashboard_by_section);
}

/*
 * The matrix pages like the lists (docs/api.md): $6 the cursor's key, $7 the
 * page size. Its CSV is every row at once, for a spreadsheet: limit and
 * cursor page the JSON only and are a 400 with CSV.
 */
static const struct api_param matrix_params[] = {
	{ "agency", PARAM_AGENCY }, { "province", PARAM_PROVINCE }, { "section", PARAM_SECTION },
	{ "as_of", PARAM_DATE },    { "document", PARAM_DOCUMENT }, { "format", PARAM_FORMAT },
	{ "limit", PARAM_LIMIT },   { "cursor", PARAM_CURSOR },
};

void
api_dashboard_matrix(struct http_ctx *ctx)
{
	struct dashboard *d = xcalloc(1, sizeof(*d));
	if (!api_query_parse(ctx, matrix_params, PT_ARRAY_LEN(matrix_params), &d->q)) {
		free(d);
		return;
	}
	if (wants_csv(ctx, &d->q) && (d->q.values[6] || d->q.values[7])) {
		cJSON *errors = cJSON_CreateObject();
		const char *why = "the CSV is the whole matrix; limit and cursor page its JSON";
		for (int i = 6; i <= 7; i++)
			if (d->q.values[i])
				cJSON_AddStringToObject(errors, matrix_params[i].name, why);
		d->csv = true;
		d->ctx = ctx;
		ctx->state = d;
		ctx->state_free = dashboard_free;
		api_reply_invalid_query(ctx, "the CSV is not paged; see errors", errors);
		return;
	}
	d->stmt = &sql_dashboard_matrix_counts;
	d->scan = &sql_dashboard_matrix;
	for (int i = 0; i < 5; i++)
		d->values[i] = d->q.values[i];
	d->paged = !wants_csv(ctx, &d->q);
	d->values[5] = d->paged ? api_query_after(&d->q) : NULL;
	d->values[6] = d->paged ? d->q.limit_text : NULL;
	d->done = dashboard_done;
	if (dashboard_begin(ctx, d))
		return;
	run_query(d);
}

void
api_dashboard_overdue(struct http_ctx *ctx)
{
	run(ctx, &sql_dashboard_overdue);
}

void
api_dashboard_overdue_work_items(struct http_ctx *ctx)
{
	run(ctx, &sql_dashboard_overdue_work_items);
}

void
api_dashboard_escalations(struct http_ctx *ctx)
{
	run(ctx, &sql_dashboard_escalations);
}

/*
 * Parameters: $1 agency, $2 province, $3 section, $4 from, $5 to, $6 interval,
 * $7 document, as for SQL.
 */
static const struct api_param trend_params[] = {
	{ "agency", PARAM_AGENCY },     { "province", PARAM_PROVINCE },
	{ "section", PARAM_SECTION },   { "from", PARAM_DATE },
	{ "to", PARAM_DATE },           { "interval", PARAM_INTERVAL },
	{ "document", PARAM_DOCUMENT }, { "format", PARAM_FORMAT },
};

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
		api_reply_invalid_query(ctx, "a trend needs from and to; see errors", errors);
		return;
	}
	cJSON_Delete(errors);
	d->stmt = &sql_dashboard_trend_counts;
	d->scan = &sql_dashboard_trend;
	for (int i = 0; i < 5; i++)
		d->values[i] = d->q.values[i];
	d->values[5] = d->q.values[5] ? d->q.values[5] : "month";
	d->values[6] = d->q.values[6];
	d->done = trend_done;
	if (dashboard_begin(ctx, d))
		return;
	run_query(d);
}

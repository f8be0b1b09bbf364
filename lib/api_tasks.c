#include "api_catalogue.h"
#include "api_catalogue_sql.h"
#include "api_params.h"
#include "api_read.h"
#include "http_server.h"

/* Order matters: it is the order of the SQL parameters $1.. below. */
static const struct api_param list_params[] = {
	{ "agency", PARAM_AGENCY },   { "province", PARAM_PROVINCE }, { "measure", PARAM_MEASURE },
	{ "section", PARAM_SECTION }, { "status", PARAM_STATUS },     { "role", PARAM_ROLE },
	{ "limit", PARAM_LIMIT },     { "cursor", PARAM_CURSOR },
};

#define SQL_UNKNOWN_TASK_FILTER                                                                    \
	"(SELECT CASE "                                                                            \
	"WHEN $1::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM agencies WHERE code = $1) "       \
	"THEN 'agency' "                                                                           \
	"WHEN $2::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM provinces WHERE code = $2) "      \
	"THEN 'province' "                                                                         \
	"WHEN $3::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM measures WHERE code = $3) "       \
	"THEN 'measure' "                                                                          \
	"WHEN $4::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sections WHERE code = $4) "       \
	"THEN 'section' END)"

void
api_tasks_list(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, list_params, PT_ARRAY_LEN(list_params), &q))
		return;
	const char *values[] = { q.values[0], q.values[1], q.values[2],         q.values[3],
		                 q.values[4], q.values[5], api_query_after(&q), q.limit_text };
	api_read_page(
	    ctx, &q,
	    SQL_PAGE(
	        "SELECT t.id AS k, " SQL_TASK_JSON(
	            SQL_WITHOUT) " AS j " SQL_TASK_FROM
	                         "WHERE ($1::text IS NULL OR t.agency_code = $1) "
	                         "AND ($2::text IS NULL OR t.province_code = $2) "
	                         "AND ($3::text IS NULL OR m.code = $3) "
	                         "AND ($4::text IS NULL OR s.code = $4 OR s.code LIKE $4 || '.%') "
	                         "AND ($5::text IS NULL OR t.status = $5) "
	                         "AND ($6::text IS NULL OR t.role = $6) "
	                         "AND ($7::bigint IS NULL OR t.id > $7) "
	                         "ORDER BY t.id LIMIT $8::int + 1",
	        "$8::int", SQL_UNKNOWN_TASK_FILTER),
	    8, values);
}

void
api_tasks_get(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, NULL, 0, &q))
		return;
	/* A non-numeric id is simply not found, not a type error to report. */
	api_read_object(
	    ctx, "SELECT " SQL_TASK_JSON(SQL_WITH) "::text " SQL_TASK_FROM "WHERE t.id::text = $1",
	    "task", route_match_param(&ctx->match, "id"));
}

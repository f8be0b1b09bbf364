#include "api/catalogue.h"
#include "api/catalogue_sql.h"
#include "api/params.h"
#include "api/read.h"
#include "http/server.h"

/* Order matters: it is the order of the SQL parameters $1.. below. */
static const struct api_param list_params[] = {
	{ "section", PARAM_SECTION }, { "agency", PARAM_AGENCY }, { "province", PARAM_PROVINCE },
	{ "role", PARAM_ROLE },       { "q", PARAM_SEARCH },      { "limit", PARAM_LIMIT },
	{ "cursor", PARAM_CURSOR },
};

/*
 * q searches both languages: a plain substring in the Chinese text (no word
 * boundaries there), case-insensitive in the English; LIKE's wildcards in the
 * search text are escaped so they match themselves.
 */
#define SQL_MEASURE_FILTERS                                                                        \
	"($1::text IS NULL OR s.code = $1 OR s.code LIKE $1 || '.%') "                             \
	"AND (($2::text IS NULL AND $4::text IS NULL) OR EXISTS (SELECT 1 FROM measure_agencies "  \
	"ma "                                                                                      \
	"WHERE ma.measure_id = m.id AND ($2 IS NULL OR ma.agency_code = $2) "                      \
	"AND ($4 IS NULL OR ma.role = $4))) "                                                      \
	"AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM measure_provinces mp "                     \
	"WHERE mp.measure_id = m.id AND mp.province_code = $3)) "                                  \
	"AND ($5::text IS NULL OR m.text_zh LIKE e.pattern OR m.text_en ILIKE e.pattern) "

#define SQL_UNKNOWN_FILTER                                                                         \
	"(SELECT CASE "                                                                            \
	"WHEN $1::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sections WHERE code = $1) "       \
	"THEN 'section' "                                                                          \
	"WHEN $2::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM agencies WHERE code = $2) "       \
	"THEN 'agency' "                                                                           \
	"WHEN $3::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM provinces WHERE code = $3) "      \
	"THEN 'province' END)"

void
api_measures_list(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, list_params, PT_ARRAY_LEN(list_params), &q))
		return;
	const char *values[] = { q.values[0], q.values[1],         q.values[2], q.values[3],
		                 q.values[4], api_query_after(&q), q.limit_text };
	api_read_page(
	    ctx, &q,
	    SQL_PAGE("SELECT m.sort_order::bigint AS k, " SQL_MEASURE_JSON(
	                 SQL_WITHOUT) " AS j "
	                              "FROM measures m JOIN sections s ON s.id = m.section_id, "
	                              "(SELECT '%' || replace(replace(replace($5::text, '\\', "
	                              "'\\\\'), '%', '\\%'), '_', '\\_') || '%' AS pattern) e "
	                              "WHERE " SQL_MEASURE_FILTERS
	                              "AND ($6::bigint IS NULL OR m.sort_order > $6) "
	                              "ORDER BY m.sort_order LIMIT $7::int + 1",
	             "$7::int", SQL_UNKNOWN_FILTER),
	    7, values);
}

void
api_measures_get(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, NULL, 0, &q))
		return;
	api_read_object(
	    ctx,
	    "SELECT " SQL_MEASURE_JSON(SQL_WITH) "::text "
	                                         "FROM measures m JOIN sections s ON s.id = "
	                                         "m.section_id WHERE m.code = $1",
	    "measure", route_match_param(&ctx->match, "code"));
}

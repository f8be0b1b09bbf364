#include "api/catalogue.h"
#include "api/catalogue_sql.h"
#include "api/params.h"
#include "api/read.h"
#include "http/server.h"

static const struct api_param list_params[] = {
	{ "limit", PARAM_LIMIT },
	{ "cursor", PARAM_CURSOR },
};

void
api_provinces_list(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, list_params, PT_ARRAY_LEN(list_params), &q))
		return;
	const char *values[] = { api_query_after(&q), q.limit_text };
	api_read_page(ctx, &q,
	              SQL_PAGE("SELECT p.sort_order::bigint AS k, " SQL_PROVINCE_JSON " AS j "
	                       "FROM provinces p WHERE $1::bigint IS NULL OR p.sort_order > $1 "
	                       "ORDER BY p.sort_order LIMIT $2::int + 1",
	                       "$2::int", "NULL::text"),
	              2, values);
}

void
api_provinces_get(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, NULL, 0, &q))
		return;
	/* The province with its localities: the places measures name inside it. */
	api_read_object(
	    ctx,
	    "SELECT (" SQL_PROVINCE_JSON "::jsonb || jsonb_build_object('localities', "
	    "(SELECT coalesce(jsonb_agg(jsonb_build_object('id', l.id, 'name_zh', l.name_zh, "
	    "'name_en', l.name_en, 'kind', l.kind, 'measures', (SELECT count(*) FROM "
	    "measure_localities ml WHERE ml.locality_id = l.id)) ORDER BY l.sort_order), '[]') "
	    "FROM localities l WHERE l.province_code = p.code)))::text "
	    "FROM provinces p WHERE p.code = $1",
	    "province", route_match_param(&ctx->match, "code"));
}

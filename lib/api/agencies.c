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
api_agencies_list(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, list_params, PT_ARRAY_LEN(list_params), &q))
		return;
	const char *values[] = { api_query_after(&q), q.limit_text };
	api_read_page(ctx, &q,
	              SQL_PAGE("SELECT a.sort_order::bigint AS k, " SQL_AGENCY_JSON " AS j "
	                       "FROM agencies a WHERE $1::bigint IS NULL OR a.sort_order > $1 "
	                       "ORDER BY a.sort_order LIMIT $2::int + 1",
	                       "$2::int", "NULL::text"),
	              2, values);
}

void
api_agencies_get(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, NULL, 0, &q))
		return;
	api_read_object(ctx, "SELECT " SQL_AGENCY_JSON "::text FROM agencies a WHERE a.code = $1",
	                "agency", route_match_param(&ctx->match, "code"));
}

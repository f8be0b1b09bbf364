#include "api/catalogue.h"
#include "api/params.h"
#include "api/read.h"
#include "http/server.h"
#include "pg/sql_names.h"

/* Order matters: it is the order of measure_list's parameters $1.. */
static const struct api_param list_params[] = {
	{ "section", PARAM_SECTION }, { "agency", PARAM_AGENCY }, { "province", PARAM_PROVINCE },
	{ "role", PARAM_ENUM },       { "q", PARAM_SEARCH },      { "limit", PARAM_LIMIT },
	{ "cursor", PARAM_CURSOR },
};

void
api_measures_list(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, list_params, PT_ARRAY_LEN(list_params), &q))
		return;
	const char *values[] = { q.values[0], q.values[1],         q.values[2], q.values[3],
		                 q.values[4], api_query_after(&q), q.limit_text };
	api_read_page(ctx, &q, &sql_measure_list, values);
}

void
api_measures_get(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, NULL, 0, &q))
		return;
	const char *code = route_match_param(&ctx->match, "code");
	const char *values[] = { code };
	api_read_object(ctx, &sql_measure_get, values, "measure", code);
}

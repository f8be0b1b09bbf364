#include "api/catalogue.h"
#include "api/params.h"
#include "api/read.h"
#include "http/server.h"
#include "pg/sql_names.h"

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
	api_read_page(ctx, &q, &sql_agency_list, values);
}

void
api_agencies_get(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, NULL, 0, &q))
		return;
	const char *code = route_match_param(&ctx->match, "code");
	const char *values[] = { code };
	api_read_object(ctx, &sql_agency_get, values, "agency", code);
}

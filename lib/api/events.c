#include "api/events.h"

#include "api/params.h"
#include "api/read.h"
#include "http/server.h"
#include "pg/sql_names.h"

static const struct api_param page_params[] = {
	{ "limit", PARAM_LIMIT },
	{ "cursor", PARAM_CURSOR },
	{ "after", PARAM_AFTER },
};

/* The change feed's: page_params' and $3 document, in that order. */
static const struct api_param feed_params[] = {
	{ "limit", PARAM_LIMIT },
	{ "cursor", PARAM_CURSOR },
	{ "after", PARAM_AFTER },
	{ "document", PARAM_DOCUMENT },
};

void
api_task_events(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, page_params, PT_ARRAY_LEN(page_params), &q))
		return;
	const char *values[] = { route_match_param(&ctx->match, "id"), api_query_after(&q),
		                 q.limit_text };
	api_read_page(ctx, &q, &sql_task_event_list, values);
}

void
api_events_feed(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, feed_params, PT_ARRAY_LEN(feed_params), &q))
		return;
	const char *values[] = { api_query_after(&q), q.limit_text, q.values[3] };
	api_read_page(ctx, &q, &sql_event_feed, values);
}

void
api_task_statuses(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, NULL, 0, &q))
		return;
	api_read_object(ctx, &sql_workflow_get, NULL, "workflow", "statuses");
}

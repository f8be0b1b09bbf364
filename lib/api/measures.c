#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/catalogue.h"
#include "api/params.h"
#include "api/read.h"
#include "core/util.h"
#include "http/server.h"
#include "pg/sql_names.h"

/* Order matters: it is the order of measure_list's parameters $1.. */
static const struct api_param list_params[] = {
	{ "section", PARAM_SECTION },   { "agency", PARAM_AGENCY },
	{ "province", PARAM_PROVINCE }, { "role", PARAM_ENUM },
	{ "q", PARAM_SEARCH },          { "limit", PARAM_LIMIT },
	{ "cursor", PARAM_CURSOR },     { "document", PARAM_DOCUMENT },
};

void
api_measures_list(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, list_params, PT_ARRAY_LEN(list_params), &q))
		return;
	const char *values[] = { q.values[0], q.values[1],         q.values[2],  q.values[3],
		                 q.values[4], api_query_after(&q), q.limit_text, q.values[7] };
	api_read_page(ctx, &q, &sql_measure_list, values);
}

static const struct api_param get_params[] = { { "document", PARAM_DOCUMENT } };

static void
free_query(void *state)
{
	api_query_clear(state);
	free(state);
}

/*
 * The measure, or: 400 for an unknown document=, 409 ambiguous-measure when
 * several documents have a measure of this code and none was named (the
 * answer lists them), 404 when there is none.
 */
static void
measure_read(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	struct api_query *q = ctx->state;
	const char *code = route_match_param(&ctx->match, "code");
	const char *check = PQgetisnull(r->res, 0, 1) ? NULL : PQgetvalue(r->res, 0, 1);
	if (check && strncmp(check, "ambiguous:measure:", 18) == 0) {
		char detail[600];
		snprintf(detail, sizeof(detail),
		         "more than one document has a measure '%.64s' (%.400s): say which with "
		         "?document=",
		         code, check + 18);
		cJSON *extra = cJSON_CreateObject();
		cJSON_AddItemToObject(extra, "documents", api_document_list(check + 18));
		http_reply_problem_extra(ctx, 409, "ambiguous-measure", "Ambiguous measure code",
		                         detail, NULL, extra);
		return;
	}
	if (check) {
		api_reply_filter_problem(ctx, q, check);
		return;
	}
	if (PQgetisnull(r->res, 0, 0)) {
		const char *document = api_query_get(q, "document");
		if (!document) {
			api_reply_not_found(ctx, "measure", code);
			return;
		}
		char detail[200];
		snprintf(detail, sizeof(detail), "document '%.64s' has no measure '%.64s'",
		         document, code);
		http_reply_problem(ctx, 404, "not-found", NULL, detail, NULL);
		return;
	}
	api_reply_json_text(ctx, PQgetvalue(r->res, 0, 0));
}

void
api_measures_get(struct http_ctx *ctx)
{
	struct api_query *q = xmalloc(sizeof(*q));
	if (!api_query_parse(ctx, get_params, PT_ARRAY_LEN(get_params), q)) {
		free(q);
		return;
	}
	ctx->state = q;
	ctx->state_free = free_query;
	const char *values[] = { route_match_param(&ctx->match, "code"), q->values[0] };
	http_query(ctx, &sql_measure_get, values, measure_read);
}

#include "api/catalogue.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/params.h"
#include "api/read.h"
#include "core/import_csv.h"
#include "core/util.h"
#include "http/json_body.h"
#include "http/server.h"
#include "pg/sql_names.h"

static const struct api_param list_params[] = {
	{ "limit", PARAM_LIMIT },
	{ "cursor", PARAM_CURSOR },
};

void
api_documents_list(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, list_params, PT_ARRAY_LEN(list_params), &q))
		return;
	const char *values[] = { api_query_after(&q), q.limit_text };
	api_read_page(ctx, &q, &sql_document_list, values);
}

void
api_documents_get(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, NULL, 0, &q))
		return;
	/* {id} is the numeric id or the document's code. */
	const char *id = route_match_param(&ctx->match, "id");
	const char *values[] = { id };
	api_read_object(ctx, &sql_document_get, values, "document", id);
}

void
api_documents_versions(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, NULL, 0, &q))
		return;
	const char *id = route_match_param(&ctx->match, "id");
	const char *values[] = { id };
	api_read_object(ctx, &sql_document_version_list, values, "document", id);
}

void
api_documents_export(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, NULL, 0, &q))
		return;
	const char *id = route_match_param(&ctx->match, "id");
	const char *values[] = { id };
	api_read_object(ctx, &sql_document_export, values, "document", id);
}

/* Every problem of an import in one 422, located; nothing was written. */
static void
reply_invalid(struct http_ctx *ctx, cJSON *problems)
{
	char detail[96];
	snprintf(detail, sizeof detail, "%d problem(s) in the document; nothing was imported",
	         cJSON_GetArraySize(problems));
	http_reply_problem(ctx, 422, "invalid-document", "The document has problems", detail,
	                   problems);
}

static void
free_locations(void *state)
{
	cJSON_Delete(state);
}

static void
imported(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	cJSON *result = PQntuples(r->res) == 1 ? cJSON_Parse(PQgetvalue(r->res, 0, 0)) : NULL;
	if (!result) {
		struct db_result bad = { .status = DB_SQL_ERROR, .message = "import answer shape" };
		http_reply_db_failure(ctx, &bad);
		return;
	}
	const char *outcome =
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(result, "outcome"));
	if (!outcome || strcmp(outcome, "invalid") == 0) {
		cJSON *problems = cJSON_DetachItemFromObjectCaseSensitive(result, "problems");
		import_csv_locate(problems, ctx->state);
		cJSON_Delete(result);
		reply_invalid(ctx, problems ? problems : cJSON_CreateArray());
		return;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(result, "problems");
	bool dry_run = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(result, "dry_run"));
	int status = 200;
	if (!dry_run && strcmp(outcome, "created") == 0) {
		const char *code =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(result, "document"));
		char location[128];
		snprintf(location, sizeof location, "/api/v1/documents/%s", code ? code : "");
		http_set_header(ctx, "Location", location);
		status = 201;
	}
	http_reply_json(ctx, status, result);
}

static const struct api_param import_params[] = {
	{ "dry_run", PARAM_BOOL },
};

void
api_documents_import(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, import_params, PT_ARRAY_LEN(import_params), &q))
		return;
	const char *dry_run = api_query_get(&q, "dry_run");
	bool dry = dry_run && strcmp(dry_run, "true") == 0;
	api_query_clear(&q);
	cJSON *doc = json_body_parse(ctx);
	if (!doc)
		return;
	cJSON *locations = cJSON_CreateObject();
	cJSON *errors = cJSON_CreateArray();
	if (import_csv_expand(doc, locations, errors) > 0) {
		cJSON_Delete(locations);
		cJSON_Delete(doc);
		reply_invalid(ctx, errors);
		return;
	}
	cJSON_Delete(errors);
	char *text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	ctx->state = locations;
	ctx->state_free = free_locations;
	const char *values[] = { text, ctx->caller.user_id, "api", dry ? "t" : "f" };
	http_query(ctx, &sql_document_import, values, imported);
	free(text);
}

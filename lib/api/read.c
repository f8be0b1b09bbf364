#include "api/read.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "api/params.h"
#include "core/util.h"
#include "http/server.h"

static void
free_query(void *state)
{
	api_query_clear(state);
	free(state);
}

static void
page_done(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	if (PQntuples(r->res) != 1 || PQnfields(r->res) != 3) {
		struct db_result bad = { .status = DB_SQL_ERROR, .message = "page query shape" };
		http_reply_db_failure(ctx, &bad);
		return;
	}
	if (!PQgetisnull(r->res, 0, 2) && strncmp(PQgetvalue(r->res, 0, 2), "404:", 4) == 0) {
		/* "404:KIND:KEY": the list hangs off an object that does not exist. */
		char kind[32];
		const char *rest = PQgetvalue(r->res, 0, 2) + 4;
		const char *colon = strchr(rest, ':');
		size_t n = colon ? (size_t)(colon - rest) : strlen(rest);
		snprintf(kind, sizeof(kind), "%.*s", (int)n, rest);
		api_reply_not_found(ctx, kind, colon ? colon + 1 : "");
		return;
	}
	if (!PQgetisnull(r->res, 0, 2) && strncmp(PQgetvalue(r->res, 0, 2), "400:", 4) == 0) {
		/* "400:FIELD:MESSAGE": a parameter's value is not one its table holds. */
		char field[32];
		const char *rest = PQgetvalue(r->res, 0, 2) + 4;
		const char *colon = strchr(rest, ':');
		size_t n = colon ? (size_t)(colon - rest) : strlen(rest);
		snprintf(field, sizeof(field), "%.*s", (int)n, rest);
		cJSON *errors = cJSON_CreateObject();
		cJSON_AddStringToObject(errors, field, colon ? colon + 1 : "is not valid here");
		api_reply_invalid_query(ctx, NULL, errors);
		return;
	}
	if (!PQgetisnull(r->res, 0, 2)) {
		api_reply_unknown_filter(ctx, ctx->state, PQgetvalue(r->res, 0, 2));
		return;
	}
	api_reply_page(ctx, ctx->state, PQgetvalue(r->res, 0, 0),
	               PQgetisnull(r->res, 0, 1) ? NULL : PQgetvalue(r->res, 0, 1));
}

void
api_read_page(struct http_ctx *ctx, struct api_query *q, const struct sql_statement *st,
              const char *const *values)
{
	struct api_query *owned = xmalloc(sizeof(*owned));
	*owned = *q;
	ctx->state = owned;
	ctx->state_free = free_query;
	http_query(ctx, st, values, page_done);
}

struct object_state {
	char *kind, *key;
};

static void
free_object_state(void *state)
{
	struct object_state *s = state;
	free(s->kind);
	free(s->key);
	free(s);
}

static void
object_done(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	struct object_state *s = ctx->state;
	if (PQntuples(r->res) == 0 || PQgetisnull(r->res, 0, 0)) {
		api_reply_not_found(ctx, s->kind, s->key);
		return;
	}
	api_reply_json_text(ctx, PQgetvalue(r->res, 0, 0));
}

void
api_read_object(struct http_ctx *ctx, const struct sql_statement *st, const char *const *values,
                const char *kind, const char *key)
{
	struct object_state *s = xmalloc(sizeof(*s));
	s->kind = xstrdup(kind);
	s->key = xstrdup(key ? key : "");
	ctx->state = s;
	ctx->state_free = free_object_state;
	http_query(ctx, st, values, object_done);
}

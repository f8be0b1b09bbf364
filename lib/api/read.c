#include "api/read.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
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
	if (!PQgetisnull(r->res, 0, 2)) {
		api_reply_filter_problem(ctx, ctx->state, PQgetvalue(r->res, 0, 2));
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
	bool checked;       /* the statement yields a check column after the JSON */
	struct api_query q; /* parsed, for the check's problem */
};

static void
free_object_state(void *state)
{
	struct object_state *s = state;
	free(s->kind);
	free(s->key);
	api_query_clear(&s->q);
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
	if (s->checked && PQntuples(r->res) > 0 && !PQgetisnull(r->res, 0, 1)) {
		api_reply_filter_problem(ctx, &s->q, PQgetvalue(r->res, 0, 1));
		return;
	}
	if (PQntuples(r->res) == 0 || PQgetisnull(r->res, 0, 0)) {
		api_reply_not_found(ctx, s->kind, s->key);
		return;
	}
	api_reply_json_text(ctx, PQgetvalue(r->res, 0, 0));
}

/* q (taken, may be NULL) is set before the query goes: an early answer frees ctx. */
static void
read_object(struct http_ctx *ctx, struct api_query *q, const struct sql_statement *st,
            const char *const *values, const char *kind, const char *key)
{
	struct object_state *s = xcalloc(1, sizeof(*s));
	s->kind = xstrdup(kind);
	s->key = xstrdup(key ? key : "");
	if (q) {
		s->checked = true;
		s->q = *q;
	}
	ctx->state = s;
	ctx->state_free = free_object_state;
	http_query(ctx, st, values, object_done);
}

void
api_read_object(struct http_ctx *ctx, const struct sql_statement *st, const char *const *values,
                const char *kind, const char *key)
{
	read_object(ctx, NULL, st, values, kind, key);
}

void
api_read_object_checked(struct http_ctx *ctx, struct api_query *q, const struct sql_statement *st,
                        const char *const *values, const char *kind, const char *key)
{
	read_object(ctx, q, st, values, kind, key);
}

#include "api/escalation.h"

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "api/params.h"
#include "api/read.h"
#include "api/refusal.h"
#include "core/app.h"
#include "core/log.h"
#include "core/roles.h"
#include "core/util.h"
#include "http/json_body.h"
#include "http/server.h"
#include "pg/db.h"
#include "pg/sql_names.h"

void
api_escalation_ladder_get(struct http_ctx *ctx)
{
	api_read_object(ctx, &sql_escalation_ladder_get, NULL, "escalation ladder", "");
}

static void
ladder_replaced(struct http_ctx *ctx, const struct db_result *r)
{
	if (r->status != DB_OK) {
		http_reply_db_failure(ctx, r);
		return;
	}
	if (api_refused(ctx, r->res, 0))
		return;
	api_reply_json_text_status(ctx, 200, PQgetvalue(r->res, 0, 5));
}

/*
 * The body is {"levels": [...]}: its shape is checked here, each level by
 * escalation_ladder_errors() in the database, which names every problem
 * (levels[N].field) in one 400.
 */
void
api_escalation_ladder_put(struct http_ctx *ctx)
{
	cJSON *body = json_body_parse(ctx);
	if (!body)
		return;
	struct json_fields f;
	json_fields_init(&f, body);
	const cJSON *levels = cJSON_GetObjectItemCaseSensitive(body, "levels");
	if (!cJSON_IsArray(levels))
		json_fields_error(&f, "levels", "is required: an array of 1 to 10 levels");
	static const char *const allowed[] = { "levels", NULL };
	json_fields_reject_unknown(&f, allowed);
	if (json_fields_failed(ctx, &f)) {
		cJSON_Delete(body);
		return;
	}
	char *text = cJSON_PrintUnformatted(levels);
	const char *values[] = { ctx->caller.user_id, role_name(ctx->caller.role), text };
	http_query(ctx, &sql_escalation_ladder_put, values, ladder_replaced);
	free(text);
	cJSON_Delete(body);
}

struct escalation_timer {
	struct app *app;
	struct event *ev;
	struct timeval every;
	struct db_query *running; /* a run in flight, or NULL */
};

static void
ran(void *arg, const struct db_result *r)
{
	struct escalation_timer *t = arg;
	t->running = NULL;
	if (r->status != DB_OK) {
		log_msg(LOG_WARN, "escalation run failed", "%s: the next run tries again",
		        r->status == DB_SQL_ERROR ? PQresultErrorMessage(r->res) : r->message);
		return;
	}
	int n = PQntuples(r->res);
	if (n == 0)
		return;
	cJSON *fields = cJSON_CreateObject();
	cJSON_AddNumberToObject(fields, "recorded", n);
	int red = 0;
	for (int i = 0; i < n; i++)
		red += PQgetvalue(r->res, i, 8)[0] == 't';
	cJSON_AddNumberToObject(fields, "copied_to_leader", red);
	log_emit(LOG_INFO, "escalation run", fields);
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct escalation_timer *t = arg;
	event_add(t->ev, &t->every);
	if (t->running)
		return; /* the last run is still going: a slow database gets no pile of runs */
	static const char *const values[] = { "false" };
	enum db_status refusal;
	t->running = db_submit(t->app->db, &sql_escalation_run_today, values, ran, t, &refusal);
	if (!t->running)
		log_msg(LOG_DEBUG, "escalation run skipped",
		        "the database is %s: the next run tries again",
		        refusal == DB_OVERLOADED ? "busy" : "unavailable");
}

struct escalation_timer *
escalation_timer_start(struct app *app, long interval_s)
{
	if (interval_s <= 0)
		return NULL;
	struct escalation_timer *t = xcalloc(1, sizeof(*t));
	t->app = app;
	t->every.tv_sec = interval_s;
	t->ev = evtimer_new(app->base, tick, t);
	event_add(t->ev, &t->every);
	return t;
}

void
escalation_timer_free(struct escalation_timer *t)
{
	if (!t)
		return;
	if (t->running)
		db_query_abandon(t->running);
	event_free(t->ev);
	free(t);
}

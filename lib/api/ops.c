#include "api/ops.h"

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/params.h"
#include "cache/caches.h"
#include "core/app.h"
#include "core/roles.h"
#include "http/metrics.h"
#include "http/server.h"
#include "pg/db.h"
#include "pg/migrate.h"
#include "pg/sql_names.h"

void
api_ops_healthz(struct http_ctx *ctx)
{
	/* Load balancers call this many times a second: a constant, nothing built. */
	api_reply_json_text(ctx, "{\"status\":\"ok\"}");
}

static void
not_ready(struct http_ctx *ctx, const char *detail)
{
	http_reply_unavailable(ctx, 5, "not-ready", "Not ready", detail);
}

/*
 * The last check: the roles the database knows are the roles this build's
 * route table names (lib/core/roles.c). Names are the table's key, so equal
 * counts of known names mean equal sets.
 */
static void
roles_checked(struct http_ctx *ctx, const struct db_result *r)
{
	char detail[512];
	if (r->status != DB_OK) {
		snprintf(detail, sizeof(detail), "roles check failed: %s",
		         r->res ? PQresultErrorMessage(r->res)
		                : (r->message ? r->message : "no connection"));
		not_ready(ctx, detail);
		return;
	}
	int n = PQntuples(r->res);
	bool same = n == ROLES_COUNT;
	char have[256] = "";
	size_t used = 0;
	for (int i = 0; i < n; i++) {
		const char *name = PQgetvalue(r->res, i, 0);
		same = same && role_from_name(name) != 0;
		if (used < sizeof(have))
			used += (size_t)snprintf(have + used, sizeof(have) - used, "%s%s",
			                         i ? ", " : "", name);
	}
	if (!same) {
		snprintf(detail, sizeof(detail),
		         "roles differ: the database has %s, this build knows %s; run the build "
		         "that matches the schema",
		         n ? have : "none", role_names_listed());
		not_ready(ctx, detail);
		return;
	}
	const struct migration *latest = migration_latest();
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "status", "ready");
	cJSON_AddNumberToObject(body, "schema_version", latest ? latest->version : 0);
	http_reply_json(ctx, 200, body);
}

static void
readyz_done(struct http_ctx *ctx, const struct db_result *r)
{
	const struct migration *latest = migration_latest();
	char detail[256];
	if (r->status == DB_SQL_ERROR) {
		const char *sqlstate = PQresultErrorField(r->res, PG_DIAG_SQLSTATE);
		if (sqlstate && strcmp(sqlstate, "42P01") == 0) {
			not_ready(ctx, "schema not migrated: the database has no schema_migrations "
			               "table; run `policytrack migrate`");
			return;
		}
		snprintf(detail, sizeof(detail), "schema check failed: %s",
		         PQresultErrorMessage(r->res));
		not_ready(ctx, detail);
		return;
	}
	if (r->status != DB_OK) {
		snprintf(detail, sizeof(detail), "database unreachable: %s",
		         r->message ? r->message : "no connection");
		not_ready(ctx, detail);
		return;
	}
	int have = PQntuples(r->res) ? atoi(PQgetvalue(r->res, 0, 0)) : 0;
	int want = latest ? latest->version : 0;
	if (have != want) {
		snprintf(detail, sizeof(detail),
		         "schema not at the latest migration: the database is at %04d, this build "
		         "needs %04d; run `policytrack migrate`",
		         have, want);
		not_ready(ctx, detail);
		return;
	}
	if (latest) {
		char sum[65];
		migration_checksum(latest->sql, sum);
		if (strcmp(sum, PQgetvalue(r->res, 0, 1)) != 0) {
			snprintf(detail, sizeof(detail),
			         "schema mismatch: migration %04d in the database differs from "
			         "this build's",
			         want);
			not_ready(ctx, detail);
			return;
		}
	}
	/* The schema is this build's, so the roles table exists: compare it. */
	http_query(ctx, &sql_role_names, NULL, roles_checked);
}

void
api_ops_readyz(struct http_ctx *ctx)
{
	http_query(ctx, &sql_schema_latest, NULL, readyz_done);
}

void
api_ops_metrics(struct http_ctx *ctx)
{
	struct db_pool_stats ps;
	db_pool_stats(ctx->app->db, &ps);
	struct metrics_gauges g = {
		.connections_open = http_server_connections(ctx->srv),
		.requests_in_flight = http_server_in_flight(ctx->srv),
		.uploads_in_progress = http_server_uploads(ctx->srv),
		.pool_in_use = ps.in_use,
		.pool_idle = ps.idle,
		.pool_connecting = ps.connecting,
		.pool_down = ps.down,
		.pool_waiting = ps.waiting,
		.db_reconnects = ps.reconnects,
		.db_errors = ps.errors,
	};
	struct caches *caches = ctx->app->caches;
	g.change_feed_live = -1;
	if (caches && caches->feed) {
		struct change_feed_stats fs;
		change_feed_stats(caches->feed, &fs);
		g.change_feed_live = change_feed_live(caches->feed);
		g.change_notifications = fs.notifications;
		g.change_feed_reconnects = fs.reconnects;
	}
	if (caches) {
		answer_cache_stats(caches->dashboards, &g.dashboard_cache);
		answer_cache_stats(caches->tokens, &g.token_cache);
	}
	struct evbuffer *buf = evbuffer_new();
	metrics_render(ctx->app->metrics, &g, buf);
	http_reply_buffer(ctx, 200, "text/plain; version=0.0.4; charset=utf-8", buf);
	evbuffer_free(buf);
}

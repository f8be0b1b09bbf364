#include "api/ops.h"

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/params.h"
#include "cache/caches.h"
#include "core/app.h"
#include "core/config.h"
#include "core/roles.h"
#include "http/metrics.h"
#include "http/outbox.h"
#include "http/server.h"
#include "pg/db.h"
#include "pg/migrate.h"
#include "pg/replica.h"
#include "pg/sealer.h"
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

/* The ready_check statement's columns. */
enum { READY_VERSION, READY_CHECKSUM, READY_ROLES };

/*
 * The roles the database knows (names joined by ',') are the roles this
 * build's route table names (lib/core/roles.c)? Names are the table's key,
 * so equal counts of known names mean equal sets.
 */
static bool
roles_match(const char *listed)
{
	int n = 0;
	bool same = true;
	char name[64];
	for (const char *p = listed; *p;) {
		size_t len = strcspn(p, ",");
		snprintf(name, sizeof(name), "%.*s", (int)len, p);
		same = same && len < sizeof(name) && role_from_name(name) != 0;
		n++;
		p += len + (p[len] == ',');
	}
	return same && n == ROLES_COUNT;
}

static void
readyz_done(struct http_ctx *ctx, const struct db_result *r)
{
	const struct migration *latest = migration_latest();
	int want = latest ? latest->version : 0;
	char detail[512];
	if (r->status == DB_SQL_ERROR) {
		const char *sqlstate = PQresultErrorField(r->res, PG_DIAG_SQLSTATE);
		const char *message = PQresultErrorField(r->res, PG_DIAG_MESSAGE_PRIMARY);
		/* The relation's name is quoted as it is, in whatever language the server speaks.
		 */
		if (sqlstate && strcmp(sqlstate, "42P01") == 0 && message &&
		    strstr(message, "schema_migrations")) {
			not_ready(ctx, "schema not migrated: the database has no schema_migrations "
			               "table; run `policytrack migrate`");
			return;
		}
		if (sqlstate && strcmp(sqlstate, "42P01") == 0) {
			snprintf(detail, sizeof(detail),
			         "schema not at the latest migration: it lacks tables this build "
			         "needs (migration %04d); run `policytrack migrate`",
			         want);
			not_ready(ctx, detail);
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
	int have = PQntuples(r->res) ? atoi(PQgetvalue(r->res, 0, READY_VERSION)) : 0;
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
		if (strcmp(sum, PQgetvalue(r->res, 0, READY_CHECKSUM)) != 0) {
			snprintf(detail, sizeof(detail),
			         "schema mismatch: migration %04d in the database differs from "
			         "this build's",
			         want);
			not_ready(ctx, detail);
			return;
		}
	}
	const char *roles = PQntuples(r->res) ? PQgetvalue(r->res, 0, READY_ROLES) : "";
	if (!roles_match(roles)) {
		char have_roles[256] = "";
		size_t used = 0;
		for (const char *p = roles; *p && used < sizeof(have_roles);) {
			size_t len = strcspn(p, ",");
			used += (size_t)snprintf(have_roles + used, sizeof(have_roles) - used,
			                         "%s%.*s", used ? ", " : "", (int)len, p);
			p += len + (p[len] == ',');
		}
		snprintf(detail, sizeof(detail),
		         "roles differ: the database has %s, this build knows %s; run the build "
		         "that matches the schema",
		         *roles ? have_roles : "none", role_names_listed());
		not_ready(ctx, detail);
		return;
	}
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "status", "ready");
	cJSON_AddNumberToObject(body, "schema_version", want);
	if (ctx->app->replica) {
		/* A replica never makes the daemon unready: reads fall back to the primary. */
		cJSON *list = cJSON_AddArrayToObject(body, "replicas");
		for (size_t i = 0; i < replica_count(ctx->app->replica); i++) {
			struct replica_stats rs;
			replica_stats(ctx->app->replica, i, &rs);
			cJSON *rj = cJSON_CreateObject();
			cJSON_AddItemToArray(list, rj);
			cJSON_AddNumberToObject(rj, "replica", (double)(i + 1));
			cJSON_AddStringToObject(rj, "address", rs.label);
			cJSON_AddStringToObject(rj, "state", rs.state);
			cJSON_AddBoolToObject(rj, "used", rs.usable);
			if (rs.lag_ms >= 0)
				cJSON_AddNumberToObject(rj, "lag_ms", (double)rs.lag_ms);
			if (rs.behind_bytes >= 0)
				cJSON_AddNumberToObject(rj, "behind_bytes",
				                        (double)rs.behind_bytes);
		}
	}
	http_reply_json(ctx, 200, body);
}

/* A readiness check's own deadline: its timer, freed with the request. */
static void
readyz_state_free(void *state)
{
	event_free(state);
}

/*
 * The database took the whole wait limit: answer now. A connection that
 * hangs keeps the query (the pool drops it after --query-timeout-ms + 1 s);
 * the probe does not wait for that.
 */
static void
readyz_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct http_ctx *ctx = arg;
	if (ctx->query) {
		db_query_abandon(ctx->query);
		ctx->query = NULL;
	}
	char detail[160];
	snprintf(detail, sizeof(detail),
	         "database unreachable: no answer within %ld ms (--acquire-timeout-ms)",
	         ctx->app->cfg->acquire_timeout_ms);
	not_ready(ctx, detail);
}

void
api_ops_readyz(struct http_ctx *ctx)
{
	/*
	 * One statement, one deadline: however the database fails (down, hung,
	 * slow), the probe answers within --acquire-timeout-ms, as
	 * docs/operations.md says, not after the query timeout.
	 */
	struct event *deadline = evtimer_new(ctx->app->base, readyz_deadline, ctx);
	if (!deadline)
		abort();
	ctx->state = deadline;
	ctx->state_free = readyz_state_free;
	long ms = ctx->app->cfg->acquire_timeout_ms;
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	event_add(deadline, &tv);
	http_query(ctx, &sql_ready_check, NULL, readyz_done);
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
		.pool_pipelined = ps.pipelined,
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
	g.webhook_pending = -1;
	if (ctx->app->outbox) {
		struct outbox_stats os;
		outbox_stats(ctx->app->outbox, &os);
		g.webhook_pending = os.pending;
		g.webhook_parked = os.parked_now;
		g.webhook_in_flight = os.in_flight;
		g.webhook_attempts = os.attempts;
		g.webhook_failures = os.failures;
		g.webhook_delivered = os.delivered;
		g.webhook_parked_total = os.parked;
	}
	if (ctx->app->replica) {
		size_t n = replica_count(ctx->app->replica);
		g.replicas = n < METRICS_REPLICAS_MAX ? n : METRICS_REPLICAS_MAX;
		for (size_t i = 0; i < g.replicas; i++) {
			struct replica_stats rs;
			replica_stats(ctx->app->replica, i, &rs);
			g.replica[i].address = rs.label;
			g.replica[i].usable = rs.usable;
			g.replica[i].lag_seconds = rs.lag_ms < 0 ? -1 : (double)rs.lag_ms / 1000.0;
			g.replica[i].behind_bytes = rs.behind_bytes;
			g.replica[i].reads = rs.reads;
		}
		g.replica_fallbacks = replica_fallbacks(ctx->app->replica);
	}
	if (ctx->app->sealer) {
		struct sealer_stats ss;
		sealer_stats(ctx->app->sealer, &ss);
		g.sealer = true;
		g.seal_runs = ss.runs;
		g.seal_events = ss.sealed;
		g.seal_failures = ss.failures;
		g.seal_last_seconds = ss.last_seconds;
	}
	struct evbuffer *buf = evbuffer_new();
	metrics_render(ctx->app->metrics, &g, buf);
	http_reply_buffer(ctx, 200, "text/plain; version=0.0.4; charset=utf-8", buf);
	evbuffer_free(buf);
}

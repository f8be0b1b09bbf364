/*
 * policytrackd: reads its configuration, builds the loop, the database pool and
 * the HTTP server, installs signal handlers and runs. Everything else is lib/.
 */
#include <errno.h>
#include <event2/event.h>
#include <libpq-fe.h>
#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "api/auth.h"
#include "api/escalation.h"
#include "api/routes.h"
#include "cache/caches.h"
#include "core/app.h"
#include "core/config.h"
#include "core/log.h"
#include "core/notify.h"
#include "core/hasher.h"
#include "http/metrics.h"
#include "http/outbox.h"
#include "http/server.h"
#include "pg/conninfo_hosts.h"
#include "pg/replica.h"
#include "pg/db.h"
#include "pg/sealer.h"

#ifndef PT_VERSION
#define PT_VERSION "unknown"
#endif

extern char **environ;

/*
 * How often the sequencer looks for events it was not told of (written by a
 * CLI or another daemon); this daemon's own writes are sealed at once.
 */
#define SEAL_INTERVAL_MS 200

static void
on_drained(void *arg)
{
	struct app *app = arg;
	event_base_loopexit(app->base, NULL);
}

/* The sequencer sends the 'data' notifications: while it fails, the dashboards bypass memory. */
static void
on_sealer_health(void *arg, bool answering)
{
	caches_data_notices(arg, answering);
	if (!answering)
		log_msg(LOG_WARN, "dashboard cache bypassed",
		        "the sequencer's calls fail, so other writers' changes may go unheard");
	else
		log_msg(LOG_INFO, "dashboard cache back", "the sequencer answers again");
}

/* What SIGHUP needs to load the configuration again as at start. */
static struct {
	int argc;
	char **argv;
	struct config *running; /* the app's (app->cfg is const for everyone else) */
	struct config loaded;   /* what the last load said, before fit_descriptor_limit */
	bool stopping;
} reload;

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	struct app *app = arg;
	log_msg(LOG_INFO, "signal received", "%s: finishing requests in flight",
	        sig == SIGTERM ? "SIGTERM" : "SIGINT");
	reload.stopping = true;
	if (!notify_send("STOPPING=1"))
		log_msg(LOG_WARN, "notify failed", "STOPPING=1: %s", strerror(errno));
	http_server_shutdown(app->http, app->cfg->shutdown_timeout_ms, on_drained, app);
}

static void
note_change(const char *flag, bool applied, void *arg)
{
	cJSON **lists = arg;
	cJSON_AddItemToArray(lists[applied ? 0 : 1], cJSON_CreateString(flag));
}

/*
 * SIGHUP: load the flags, environment and --config-file again and apply what
 * is safe to change in a running daemon (the table's reload column); name the
 * rest, which waits for a restart. A file that does not load changes nothing.
 */
static void
on_hangup(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	struct app *app = arg;
	if (reload.stopping)
		return;
	struct config fresh;
	enum config_action action;
	char err[512];
	if (!config_load(&fresh, reload.argc, reload.argv, environ, &action, err, sizeof(err))) {
		log_msg(LOG_ERROR, "configuration not reloaded", "%s; nothing changed", err);
		config_free(&fresh);
		return;
	}
	cJSON *lists[2] = { cJSON_CreateArray(), cJSON_CreateArray() };
	config_reload(reload.running, &reload.loaded, &fresh, note_change, lists);
	config_free(&fresh);
	enum log_level level = LOG_INFO;
	if (!log_level_parse(app->cfg->log_level, &level))
		abort(); /* config_load validated it */
	/* Said at the old level or the new, whichever is more talkative. */
	bool told = log_enabled(LOG_INFO);
	cJSON *f = cJSON_CreateObject();
	cJSON_AddItemToObject(f, "applied", lists[0]);
	cJSON_AddItemToObject(f, "restart_needed", lists[1]);
	cJSON_AddStringToObject(f, "log_level", app->cfg->log_level);
	if (told)
		log_emit(LOG_INFO, "configuration reloaded", cJSON_Duplicate(f, true));
	log_set_level(level);
	if (!told)
		log_emit(LOG_INFO, "configuration reloaded", cJSON_Duplicate(f, true));
	if (cJSON_GetArraySize(lists[1]) > 0) {
		cJSON *w = cJSON_CreateObject();
		cJSON_AddItemToObject(
		    w, "settings", cJSON_Duplicate(cJSON_GetObjectItem(f, "restart_needed"), true));
		log_emit(LOG_WARN, "restart needed", w);
	}
	cJSON_Delete(f);
}

/*
 * Every client connection, pool connection and hash helper socket is a descriptor.
 * Raise the soft limit to the hard one, and keep --max-connections below what
 * is left, so that the 503 cap (not a failing accept) is what clients meet.
 */
static void
fit_descriptor_limit(struct config *cfg)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t want = rl.rlim_max;
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	/* Pool, listeners, the operations port's slots, log, helper sockets, odds and ends.
	 */
	long reserve = cfg->pool_size + 64 + HTTP_OPS_MAX_CONNECTIONS;
	long room = rl.rlim_cur == RLIM_INFINITY ? cfg->max_connections + reserve
	                                         : (long)rl.rlim_cur - reserve;
	if (room < 1)
		room = 1;
	if (cfg->max_connections > room) {
		log_msg(LOG_WARN, "max-connections lowered",
		        "the open-files limit is %ld, so --max-connections %ld becomes %ld",
		        (long)rl.rlim_cur, cfg->max_connections, room);
		cfg->max_connections = room;
	}
}

int
main(int argc, char **argv)
{
	/* Started again by itself as a hash helper (core/hasher.h): before anything else. */
	if (argc > 1 && strcmp(argv[1], HASHER_HELPER_FLAG) == 0)
		return hasher_helper_main(argc, argv);
	/*
	 * A fixed threshold: buffers of 256 KiB or more (a matrix answer being
	 * sent, megabytes) are mapped for themselves and unmapped when freed.
	 * Left to itself glibc raises the threshold after the first such free,
	 * and a burst of big answers (64 connections reading the matrix) then
	 * leaves the heap, and RSS, at the burst's high-water mark for good.
	 */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	struct config cfg;
	enum config_action action;
	char err[512];
	if (!config_load(&cfg, argc, argv, environ, &action, err, sizeof(err))) {
		fprintf(stderr, "policytrackd: %s\n", err);
		config_free(&cfg);
		return 2;
	}
	switch (action) {
	case CONFIG_HELP:
		config_print_help(stdout, "policytrackd");
		config_free(&cfg);
		return 0;
	case CONFIG_VERSION:
		printf("policytrackd %s\n", PT_VERSION);
		config_free(&cfg);
		return 0;
	case CONFIG_PRINT_ROUTES:
		for (size_t i = 0; i < routes_count; i++)
			printf("%s %s\n", http_method_name(routes[i].method), routes[i].pattern);
		config_free(&cfg);
		return 0;
	case CONFIG_PRINT_TABLE:
		config_print_markdown(stdout);
		config_free(&cfg);
		return 0;
	case CONFIG_RUN:
		break;
	}
	reload.argc = argc;
	reload.argv = argv;
	reload.running = &cfg;
	config_copy(&reload.loaded, &cfg);
	char *conninfo_err = NULL;
	PQconninfoOption *parsed = PQconninfoParse(cfg.database_url, &conninfo_err);
	if (!parsed) {
		fprintf(stderr, "policytrackd: --database-url: %s",
		        conninfo_err ? conninfo_err : "out of memory\n");
		PQfreemem(conninfo_err);
		config_free(&cfg);
		return 2;
	}
	PQconninfoFree(parsed);
	if (*cfg.feed_database_url) {
		parsed = PQconninfoParse(cfg.feed_database_url, &conninfo_err);
		if (!parsed) {
			fprintf(stderr, "policytrackd: --feed-database-url: %s",
			        conninfo_err ? conninfo_err : "out of memory\n");
			PQfreemem(conninfo_err);
			config_free(&cfg);
			return 2;
		}
		PQconninfoFree(parsed);
	}
	/* Several hosts in --replica-url are several replicas, each a pool of its own. */
	struct conninfo_host *replica_hosts = NULL;
	size_t nreplicas = 0;
	if (*cfg.replica_url) {
		char split_err[300];
		if (!conninfo_hosts_split(cfg.replica_url, &replica_hosts, &nreplicas, split_err,
		                          sizeof(split_err))) {
			fprintf(stderr, "policytrackd: --replica-url: %s\n", split_err);
			config_free(&cfg);
			return 2;
		}
	}
	/*
	 * libpq sends $PGTZ after the connection's options, where it would win
	 * over --time-zone: deadlines would silently be another zone's dates.
	 */
	unsetenv("PGTZ");
	enum log_level level = LOG_INFO;
	if (!log_level_parse(cfg.log_level, &level))
		abort(); /* config_load validated it */
	log_set_level(level);
	log_capture_libevent();
	fit_descriptor_limit(&cfg);
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0) {
		fprintf(stderr, "policytrackd: libsodium failed to initialise\n");
		return 1;
	}

	struct app app = { .cfg = &cfg };
	/*
	 * epoll changes are applied once per loop iteration: evhttp turns each
	 * connection's reading and writing off and on around every request, four
	 * epoll_ctl calls a request one by one, two or three batched. (libevent
	 * warns against the batching for descriptors made by dup(); the loop
	 * watches none.)
	 */
	struct event_config *ev_cfg = event_config_new();
	if (ev_cfg) {
		event_config_set_flag(ev_cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
		app.base = event_base_new_with_config(ev_cfg);
		event_config_free(ev_cfg);
	}
	if (!app.base) {
		fprintf(stderr, "policytrackd: could not create the event loop\n");
		return 1;
	}
	log_attach_loop(app.base);
	app.metrics = metrics_new(routes, routes_count);
	/* What the norms' SQL reads (sql/definitions/65_norms.sql), on every connection. */
	char *settings = xasprintf(
	    "-c policytrack.password_max_age_days=%ld -c policytrack.password_history=%ld "
	    "-c policytrack.session_idle_s=%ld -c policytrack.log_retention_days=%ld "
	    "-c policytrack.classification_max=%s",
	    cfg.password_max_age_days, cfg.password_history, cfg.session_idle_s,
	    cfg.log_retention_days, cfg.classification_max);
	struct db_pool_config pc = {
		.conninfo = cfg.database_url,
		.time_zone = cfg.time_zone,
		.settings = settings,
		.size = (int)cfg.pool_size,
		.queue_size = (int)cfg.queue_size,
		.acquire_timeout_ms = (int)cfg.acquire_timeout_ms,
		.query_timeout_ms = (int)cfg.query_timeout_ms,
		.reconnect_max_ms = (int)cfg.reconnect_max_ms,
		.unnamed = strcmp(cfg.statement_mode, "unnamed") == 0,
	};
	struct http_server_limits limits = {
		.max_body_bytes = (uint64_t)cfg.max_body_bytes,
		.max_upload_bytes = (uint64_t)cfg.max_upload_bytes,
		.max_uploads = cfg.max_uploads,
		.max_header_bytes = (uint64_t)cfg.max_header_bytes,
		.read_timeout_ms = cfg.read_timeout_ms,
		.first_byte_timeout_ms = cfg.first_byte_timeout_ms,
		.idle_timeout_s = cfg.idle_timeout_s,
		.max_connections = cfg.max_connections,
	};
	app.http = http_server_new(&app, routes, routes_count, &limits, auth_then_handle);
	int status = 0;
	char url[300], ops_url[300] = "";
	if (!http_server_listen(app.http, cfg.listen, url, sizeof(url)) ||
	    (*cfg.ops_listen &&
	     !http_server_listen_ops(app.http, cfg.ops_listen, ops_url, sizeof(ops_url)))) {
		status = 1;
		goto out;
	}
	/* Connect only once the port is ours: a bad --listen should not touch the database. */
	app.db = db_pool_new(app.base, &pc);
	if (nreplicas) {
		struct db_pool *pools[CONNINFO_HOSTS_MAX];
		const char *labels[CONNINFO_HOSTS_MAX];
		for (size_t i = 0; i < nreplicas; i++) {
			struct db_pool_config rc = pc;
			rc.conninfo = replica_hosts[i].conninfo;
			pools[i] = db_pool_new(app.base, &rc);
			labels[i] = replica_hosts[i].label;
		}
		app.replica = replica_new(app.base, app.db, pools, labels, nreplicas,
		                          (int)cfg.replica_max_lag_ms);
	}
	app.hasher = hasher_new(app.base, (int)cfg.hash_threads);
	app.caches =
	    caches_new(app.base, *cfg.feed_database_url ? cfg.feed_database_url : cfg.database_url,
	               cfg.cache_max_age_ms, cfg.dashboard_cache != 0, (int)cfg.reconnect_max_ms);
	struct outbox_config oc = {
		.timeout_ms = (int)cfg.webhook_timeout_ms,
		.retry_base_ms = (int)cfg.webhook_retry_base_ms,
		.max_attempts = (int)cfg.webhook_max_attempts,
		.poll_ms = (int)cfg.webhook_poll_ms,
		.max_in_flight = (int)cfg.webhook_max_in_flight,
		.reminder_days = (int)cfg.webhook_reminder_days,
		.reminder_time = cfg.webhook_reminder_time,
	};
	app.outbox = outbox_new(app.base, app.db, &oc);
	app.sealer = sealer_new(app.base, app.db, SEAL_INTERVAL_MS);
	if (app.caches)
		sealer_on_health(app.sealer, on_sealer_health, app.caches);
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "url", url);
	if (*ops_url)
		cJSON_AddStringToObject(f, "ops_url", ops_url);
	cJSON_AddStringToObject(f, "version", PT_VERSION);
	cJSON_AddNumberToObject(f, "pool_size", (double)cfg.pool_size);
	cJSON_AddStringToObject(f, "statement_mode", cfg.statement_mode);
	cJSON_AddStringToObject(f, "time_zone", cfg.time_zone);
	struct escalation_timer *escalation =
	    escalation_timer_start(&app, cfg.escalation_interval_s);
	struct event *sigterm = evsignal_new(app.base, SIGTERM, on_signal, &app);
	struct event *sigint = evsignal_new(app.base, SIGINT, on_signal, &app);
	struct event *sighup = evsignal_new(app.base, SIGHUP, on_hangup, &app);
	event_add(sigterm, NULL);
	event_add(sigint, NULL);
	event_add(sighup, NULL);
	log_emit(LOG_INFO, "listening", f);
	/* Both ports accept connections now (connects queue in the backlog until the loop runs). */
	if (!notify_send("READY=1"))
		log_msg(LOG_WARN, "notify failed", "READY=1 to $NOTIFY_SOCKET: %s",
		        strerror(errno));
	event_base_dispatch(app.base);
	event_free(sigterm);
	event_free(sigint);
	event_free(sighup);
	escalation_timer_free(escalation);
	log_msg(LOG_INFO, "stopped", "all requests answered");
out:
	http_server_free(app.http);
	hasher_free(app.hasher);
	caches_free(app.caches);
	outbox_free(app.outbox);   /* before the pool: its queries are abandoned there */
	sealer_free(app.sealer);   /* likewise */
	replica_free(app.replica); /* before the primary's pool: its probe may wait there */
	db_pool_free(app.db);
	metrics_free(app.metrics);
	log_detach_loop();
	event_base_free(app.base);
	libevent_global_shutdown();
	config_free(&cfg);
	config_free(&reload.loaded);
	free(settings);
	conninfo_hosts_free(replica_hosts, nreplicas);
	return status;
}

#include "pg/change_feed.h"

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "pg/connect.h"
#include "pg/db.h"
#include "pg/sql_names.h"

/* For the connection, then again for LISTEN's answer. */
#define CONNECT_TIMEOUT_MS 5000

enum feed_state { FEED_DOWN, FEED_CONNECTING, FEED_LISTENING, FEED_LIVE };

struct change_feed {
	struct event_base *base;
	char *conninfo;
	int reconnect_max_ms;
	change_fn on_change;
	void *arg;
	enum feed_state state;
	PGconn *pg;
	struct pg_connect *connecting; /* the attempt, while connecting */
	struct event *io;              /* the socket, once connected */
	struct event *timer;           /* LISTEN's deadline or the reconnect backoff */
	int failures;
	bool was_live;
	uint64_t notifications, reconnects;
	struct timeval polled_at; /* the loop iteration's cached time of the last poll */
};

static void feed_connect(struct change_feed *f);

static void
log_feed(enum log_level level, const char *msg, const char *detail)
{
	cJSON *fields = cJSON_CreateObject();
	if (detail)
		cJSON_AddStringToObject(fields, "detail", detail);
	log_emit(level, msg, fields);
}

static void
feed_close(struct change_feed *f)
{
	pg_connect_cancel(f->connecting);
	f->connecting = NULL;
	if (f->io) {
		event_free(f->io);
		f->io = NULL;
	}
	event_del(f->timer);
	if (f->pg) {
		PQfinish(f->pg);
		f->pg = NULL;
	}
	f->state = FEED_DOWN;
}

static void
feed_fail(struct change_feed *f, const char *why)
{
	bool was_live = f->state == FEED_LIVE;
	char message[256];
	snprintf(message, sizeof(message), "%s", why ? why : "");
	size_t n = strlen(message);
	while (n && (message[n - 1] == '\n' || message[n - 1] == ' '))
		message[--n] = '\0';
	log_feed(LOG_WARN, "change feed lost", message);
	feed_close(f);
	int ms = db_backoff_ms(f->failures++, f->reconnect_max_ms);
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	event_add(f->timer, &tv);
	if (was_live)
		f->on_change(f->arg, CHANGE_UNKNOWN);
}

static void
deliver_notifications(struct change_feed *f)
{
	PGnotify *n;
	while ((n = PQnotifies(f->pg)) != NULL) {
		f->notifications++;
		enum change_kind kind = strcmp(n->extra, "auth") == 0 ? CHANGE_AUTH : CHANGE_DATA;
		PQfreemem(n);
		f->on_change(f->arg, kind);
	}
}

/* Reads what the socket holds; false when the connection failed (and was closed). */
static bool
feed_read(struct change_feed *f)
{
	if (!PQconsumeInput(f->pg)) {
		feed_fail(f, PQerrorMessage(f->pg));
		return false;
	}
	if (f->state == FEED_LISTENING) {
		while (!PQisBusy(f->pg)) {
			PGresult *res = PQgetResult(f->pg);
			if (!res) {
				f->state = FEED_LIVE;
				event_del(f->timer);
				f->failures = 0;
				if (f->was_live)
					f->reconnects++;
				f->was_live = true;
				log_feed(LOG_INFO, "change feed listening", NULL);
				/* Whatever changed while nobody listened is unknown. */
				f->on_change(f->arg, CHANGE_UNKNOWN);
				break;
			}
			bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
			PQclear(res);
			if (!ok) {
				feed_fail(f, PQerrorMessage(f->pg));
				return false;
			}
		}
	}
	if (f->state == FEED_LIVE)
		deliver_notifications(f);
	if (f->pg && PQstatus(f->pg) == CONNECTION_BAD) {
		feed_fail(f, PQerrorMessage(f->pg));
		return false;
	}
	return true;
}

static void
on_socket(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	feed_read(arg);
}

static void
feed_listen(struct change_feed *f)
{
	if (!PQsendQuery(f->pg, sql_listen_changes.text) || PQflush(f->pg) != 0) {
		/* The LISTEN is a few bytes on a fresh socket: a partial flush means trouble. */
		feed_fail(f, PQerrorMessage(f->pg));
		return;
	}
	f->state = FEED_LISTENING;
	struct timeval tv = { .tv_sec = CONNECT_TIMEOUT_MS / 1000, .tv_usec = 0 };
	event_add(f->timer, &tv);
	f->io = event_new(f->base, PQsocket(f->pg), EV_READ | EV_PERSIST, on_socket, f);
	if (!f->io)
		abort();
	event_add(f->io, NULL);
}

static void
on_connected(void *arg, PGconn *conn, const char *error)
{
	struct change_feed *f = arg;
	f->connecting = NULL;
	if (!conn) {
		feed_fail(f, error);
		return;
	}
	f->pg = conn;
	feed_listen(f);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct change_feed *f = arg;
	if (f->state == FEED_DOWN)
		feed_connect(f);
	else
		feed_fail(f, "LISTEN took too long");
}

static void
feed_connect(struct change_feed *f)
{
	/*
	 * An idle LISTEN connection sees no traffic, so a peer that vanished
	 * without a reset (a partition, a failover) would look alive for the
	 * kernel's two hours: TCP keepalives find it within about 20 s, and the
	 * caches are bypassed from then on. The connection string may override.
	 */
	const char *const keys[] = { "keepalives",          "keepalives_idle",
		                     "keepalives_interval", "keepalives_count",
		                     "tcp_user_timeout",    "dbname",
		                     "application_name",    NULL };
	const char *const vals[] = {
		"1", "10", "3", "3", "20000", f->conninfo, "policytrackd-changes", NULL
	};
	f->state = FEED_CONNECTING;
	f->connecting = pg_connect_start(f->base, keys, vals, CONNECT_TIMEOUT_MS, on_connected, f);
}

struct change_feed *
change_feed_new(struct event_base *base, const char *conninfo, int reconnect_max_ms,
                change_fn on_change, void *arg)
{
	struct change_feed *f = xcalloc(1, sizeof(*f));
	f->base = base;
	f->conninfo = xstrdup(conninfo);
	f->reconnect_max_ms = reconnect_max_ms;
	f->on_change = on_change;
	f->arg = arg;
	f->timer = evtimer_new(base, on_timer, f);
	if (!f->timer)
		abort();
	feed_connect(f);
	return f;
}

void
change_feed_free(struct change_feed *f)
{
	if (!f)
		return;
	feed_close(f);
	event_free(f->timer);
	free(f->conninfo);
	free(f);
}

bool
change_feed_live(const struct change_feed *f)
{
	return f->state == FEED_LIVE;
}

void
change_feed_poll(struct change_feed *f)
{
	if (f->state != FEED_LIVE)
		return;
	/*
	 * A cached request asks twice (its token, then its answer) within one
	 * callback: one recv() per loop iteration is enough. A notification that
	 * lands within the iteration is read on the next, microseconds later.
	 */
	struct timeval now;
	if (event_base_gettimeofday_cached(f->base, &now) == 0 &&
	    now.tv_sec == f->polled_at.tv_sec && now.tv_usec == f->polled_at.tv_usec)
		return;
	f->polled_at = now;
	feed_read(f);
}

void
change_feed_stats(const struct change_feed *f, struct change_feed_stats *out)
{
	out->notifications = f->notifications;
	out->reconnects = f->reconnects;
}

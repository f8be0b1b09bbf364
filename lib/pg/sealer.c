#include "pg/sealer.h"

#include <event2/event.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/log.h"
#include "core/util.h"
#include "pg/db.h"
#include "pg/sql_names.h"

/* Events sealed by one call; a full batch means more wait, and another follows at once. */
#define SEAL_BATCH      10000
#define SEAL_BATCH_TEXT "10000"

#define SEAL_STARVED_NS 1000000000ull

struct sealer {
	struct event_base *base;
	struct db_pool *db;
	struct event *tick;  /* the timer: writes made elsewhere */
	struct event *soon;  /* a kick, run from the loop rather than inside a request */
	bool in_flight;      /* one call at a time */
	bool again;          /* kicked while a call ran: it may not have seen that write */
	uint64_t last_ns;    /* when the last call was sent */
	bool fold_in_flight; /* the dashboards' folder: one call at a time, on the timer only */
	bool failing;        /* the last call failed */
	sealer_health_fn on_health;
	void *on_health_arg;
	struct sealer_stats stats;
};

static void
set_failing(struct sealer *s, bool failing)
{
	if (s->failing == failing)
		return;
	s->failing = failing;
	if (s->on_health)
		s->on_health(s->on_health_arg, !failing);
}

static void run(struct sealer *s);

static void
sealed(void *arg, const struct db_result *r)
{
	struct sealer *s = arg;
	s->in_flight = false;
	if (r->status != DB_OK || PQntuples(r->res) != 1) {
		s->stats.failures++;
		if (r->status == DB_SQL_ERROR)
			log_msg(LOG_WARN, "seal failed", "%s", PQresultErrorMessage(r->res));
		set_failing(s, true);
		return; /* the timer tries again */
	}
	set_failing(s, false);
	long long n = atoll(PQgetvalue(r->res, 0, 0));
	s->stats.runs++;
	s->stats.sealed += n > 0 ? (uint64_t)n : 0;
	s->stats.last_seconds = (double)(pt_monotonic_ns() - s->last_ns) / 1e9;
	if (n >= SEAL_BATCH || s->again)
		run(s);
}

/* Background work yields to clients: only onto an idle connection (see outbox.c's pool_idle). */
static void
run(struct sealer *s)
{
	if (s->in_flight) {
		s->again = true;
		return;
	}
	struct db_pool_stats pool;
	db_pool_stats(s->db, &pool);
	uint64_t now = pt_monotonic_ns();
	/* A pool busy for good still seals once a second, so the feed keeps up. */
	if (pool.idle <= 0 && now - s->last_ns < SEAL_STARVED_NS) {
		s->again = true; /* the next tick, or the next kick, when a connection is free */
		return;
	}
	s->again = false;
	s->last_ns = now;
	const char *values[] = { SEAL_BATCH_TEXT };
	enum db_status refusal;
	s->in_flight = db_submit(s->db, &sql_events_seal, values, sealed, s, &refusal) != NULL;
}

static void
folded(void *arg, const struct db_result *r)
{
	struct sealer *s = arg;
	s->fold_in_flight = false;
	if (r->status == DB_SQL_ERROR)
		log_msg(LOG_WARN, "dashboard fold failed", "%s", PQresultErrorMessage(r->res));
	/* else the timer folds again: the readers are exact meanwhile */
}

/*
 * The dashboards' sums are kept as each writer's own difference rows
 * (migration 0032) so that writers never wait for each other; this adds the
 * committed ones into the kept rows, in a short transaction of its own. The
 * timer's pace, not each write's: one fold takes a burst's differences.
 */
static void
fold(struct sealer *s)
{
	if (s->fold_in_flight)
		return;
	struct db_pool_stats pool;
	db_pool_stats(s->db, &pool);
	if (pool.idle <= 0)
		return; /* the next tick: readers add the differences meanwhile */
	enum db_status refusal;
	s->fold_in_flight =
	    db_submit(s->db, &sql_dashboard_sums_fold, NULL, folded, s, &refusal) != NULL;
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	run(arg);
	fold(arg);
}

static void
on_kick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	run(arg);
}

struct sealer *
sealer_new(struct event_base *base, struct db_pool *db, int interval_ms)
{
	struct sealer *s = xcalloc(1, sizeof(*s));
	s->base = base;
	s->db = db;
	s->stats.last_seconds = -1;
	s->tick = event_new(base, -1, EV_PERSIST, on_tick, s);
	s->soon = event_new(base, -1, 0, on_kick, s);
	struct timeval tv = { .tv_sec = interval_ms / 1000,
		              .tv_usec = (interval_ms % 1000) * 1000 };
	event_add(s->tick, &tv);
	return s;
}

void
sealer_kick(struct sealer *s)
{
	if (!s)
		return;
	if (s->in_flight) {
		s->again = true;
		return;
	}
	event_active(s->soon, 0, 0);
}

void
sealer_on_health(struct sealer *s, sealer_health_fn fn, void *arg)
{
	s->on_health = fn;
	s->on_health_arg = arg;
}

void
sealer_stats(const struct sealer *s, struct sealer_stats *out)
{
	*out = s->stats;
}

void
sealer_free(struct sealer *s)
{
	if (!s)
		return;
	event_free(s->tick);
	event_free(s->soon);
	free(s);
}

#include "pg/replica.h"

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "pg/sql.h"
#include "pg/sql_names.h"

#define PROBE_MS 1000
/* A periodic probe older than this (a wedged database) no longer vouches for the replica. */
#define PROBE_VALID_MS (3 * PROBE_MS)

struct replica_wait {
	struct replica *r;
	replica_ready_fn ready;
	void *arg;
	struct replica_wait *next;
	bool attached; /* on the running probe's list, not yet on pending */
};

struct replica {
	struct event_base *base;
	struct db_pool *primary;
	struct db_pool *pool;
	int max_lag_ms;
	struct event *timer; /* the periodic probe */
	struct event *kick;  /* a probe for waiters, started from the loop */
	struct db_query *inflight;
	bool usable;
	long long lag_ms, behind_bytes;
	uint64_t probed_ns;
	const char *state;
	uint64_t reads, fallbacks;
	struct replica_wait *pending;  /* arrived since the running probe began */
	struct replica_wait *attached; /* the running probe decides for these */
};

static void probe_start(struct replica *r);

static void
set_state(struct replica *r, const char *state, bool usable)
{
	if (strcmp(r->state, state) != 0) {
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "state", state);
		cJSON_AddNumberToObject(f, "lag_ms", (double)r->lag_ms);
		cJSON_AddNumberToObject(f, "behind_bytes", (double)r->behind_bytes);
		log_emit(usable ? LOG_INFO : LOG_WARN, "read replica", f);
	}
	r->state = state;
	r->usable = usable;
	r->probed_ns = pt_monotonic_ns();
}

/* The probe ended: caught_up says whether its waiters may read the replica. */
static void
probe_end(struct replica *r, bool caught_up)
{
	r->inflight = NULL;
	struct replica_wait *w = r->attached;
	r->attached = NULL;
	while (w) {
		struct replica_wait *next = w->next;
		if (caught_up)
			r->reads++;
		else
			r->fallbacks++;
		w->ready(w->arg, caught_up ? r->pool : NULL);
		free(w);
		w = next;
	}
	if (r->pending)
		probe_start(r);
	else {
		struct timeval tv = { .tv_sec = PROBE_MS / 1000,
			              .tv_usec = (PROBE_MS % 1000) * 1000 };
		event_add(r->timer, &tv);
	}
}

static void
lag_done(void *arg, const struct db_result *res)
{
	struct replica *r = arg;
	bool caught_up = false;
	if (res->status != DB_OK || PQntuples(res->res) != 1) {
		r->lag_ms = r->behind_bytes = -1;
		set_state(r, "unreachable", false);
	} else if (strcmp(PQgetvalue(res->res, 0, 2), "t") != 0) {
		r->lag_ms = r->behind_bytes = -1;
		set_state(r, "not a replica", false);
	} else {
		r->behind_bytes = atoll(PQgetvalue(res->res, 0, 0));
		r->lag_ms = atoll(PQgetvalue(res->res, 0, 1));
		caught_up = r->behind_bytes == 0;
		if (r->lag_ms <= r->max_lag_ms)
			set_state(r, "streaming", true);
		else
			set_state(r, "lagging", false);
	}
	probe_end(r, caught_up);
}

static void
primary_lsn_done(void *arg, const struct db_result *res)
{
	struct replica *r = arg;
	r->inflight = NULL;
	if (res->status != DB_OK || PQntuples(res->res) != 1) {
		/* Without the primary's position nothing is known: read the primary (or fail
		 * there). */
		r->lag_ms = r->behind_bytes = -1;
		set_state(r, "unknown", false);
		probe_end(r, false);
		return;
	}
	const char *values[] = { PQgetvalue(res->res, 0, 0) };
	enum db_status refusal;
	r->inflight = db_submit(r->pool, &sql_replica_lag, values, lag_done, r, &refusal);
	if (!r->inflight) {
		r->lag_ms = r->behind_bytes = -1;
		set_state(r, "unreachable", false);
		probe_end(r, false);
	}
}

/* Starts a probe; the waiters that arrived before it are the ones it decides for. */
static void
probe_start(struct replica *r)
{
	event_del(r->timer);
	event_del(r->kick);
	/* Appended, not swapped: attached is empty whenever no probe runs. */
	r->attached = r->pending;
	r->pending = NULL;
	for (struct replica_wait *w = r->attached; w; w = w->next)
		w->attached = true;
	enum db_status refusal;
	r->inflight =
	    db_submit(r->primary, &sql_replica_primary_lsn, NULL, primary_lsn_done, r, &refusal);
	if (!r->inflight) {
		r->lag_ms = r->behind_bytes = -1;
		set_state(r, "unknown", false);
		/* Answer from the loop, not from within replica_wait's caller. */
		probe_end(r, false);
	}
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct replica *r = arg;
	if (!r->inflight)
		probe_start(r);
}

struct replica *
replica_new(struct event_base *base, struct db_pool *primary, struct db_pool *pool, int max_lag_ms)
{
	struct replica *r = xcalloc(1, sizeof(*r));
	r->base = base;
	r->primary = primary;
	r->pool = pool;
	r->max_lag_ms = max_lag_ms;
	r->lag_ms = r->behind_bytes = -1;
	r->state = "unknown";
	r->timer = evtimer_new(base, on_timer, r);
	r->kick = evtimer_new(base, on_timer, r);
	if (!r->timer || !r->kick)
		abort();
	/* The pools are still connecting: the first probe waits its turn in their queues. */
	struct timeval tv = { .tv_sec = 0, .tv_usec = 0 };
	event_add(r->timer, &tv);
	return r;
}

static void
free_waiters(struct replica_wait *w)
{
	while (w) {
		struct replica_wait *next = w->next;
		free(w);
		w = next;
	}
}

void
replica_free(struct replica *r)
{
	if (!r)
		return;
	if (r->inflight)
		db_query_abandon(r->inflight);
	free_waiters(r->pending);
	free_waiters(r->attached);
	event_free(r->timer);
	event_free(r->kick);
	db_pool_free(r->pool);
	free(r);
}

struct replica_wait *
replica_wait(struct replica *r, replica_ready_fn ready, void *arg)
{
	/* Known behind, unreachable or stale: no point waiting. */
	if (!r->usable || pt_monotonic_ns() - r->probed_ns > (uint64_t)PROBE_VALID_MS * 1000000u)
		return NULL;
	struct replica_wait *w = xcalloc(1, sizeof(*w));
	w->r = r;
	w->ready = ready;
	w->arg = arg;
	w->next = r->pending;
	r->pending = w;
	if (!r->inflight) {
		/* Started from the loop, so that ready is never called before this returns. */
		struct timeval now = { 0, 0 };
		event_add(r->kick, &now);
	}
	return w;
}

void
replica_wait_cancel(struct replica_wait *w)
{
	if (!w)
		return;
	struct replica_wait **list = w->attached ? &w->r->attached : &w->r->pending;
	for (struct replica_wait **p = list; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			break;
		}
	}
	free(w);
}

void
replica_stats(const struct replica *r, struct replica_stats *out)
{
	out->usable =
	    r->usable && pt_monotonic_ns() - r->probed_ns <= (uint64_t)PROBE_VALID_MS * 1000000u;
	out->lag_ms = r->lag_ms;
	out->behind_bytes = r->behind_bytes;
	out->reads = r->reads;
	out->fallbacks = r->fallbacks;
	out->state = r->state;
}

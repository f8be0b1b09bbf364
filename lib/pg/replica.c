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
/* A probe older than this (a wedged database) no longer vouches for a replica. */
#define PROBE_VALID_MS (3 * PROBE_MS)
/*
 * Longest a probe waits for a replica's answer: one that takes longer (a
 * wedged server) is passed over until it answers, rather than hold every
 * read until --query-timeout-ms.
 */
#define PROBE_WAIT_MS 1000

struct replica_wait {
	struct replica *r;
	replica_ready_fn ready;
	void *arg;
	struct replica_wait *next;
	bool attached; /* on the running probe's list, not yet on pending */
};

/* One replica: its pool and what its last lag query found. */
struct node {
	struct replica *r;
	struct db_pool *pool;
	char *label;
	struct db_query *inflight; /* its lag query; may outlive the probe that sent it */
	uint64_t round;            /* the probe that sent it */
	uint64_t caught_up_round;  /* the last probe that found it caught up */
	bool awaited;              /* the running probe waits for its answer */
	bool usable;
	long long lag_ms, behind_bytes;
	uint64_t probed_ns;
	const char *state;
	uint64_t reads;
};

struct replica {
	struct event_base *base;
	struct db_pool *primary;
	struct node *nodes;
	size_t n;
	int max_lag_ms;
	struct event *timer;    /* the periodic probe */
	struct event *kick;     /* a probe for waiters, started from the loop */
	struct event *patience; /* PROBE_WAIT_MS after the lag queries went out */
	bool probing;
	struct db_query *inflight; /* the primary's position */
	uint64_t round;            /* the running (or last) probe */
	size_t awaiting;           /* lag answers the running probe still waits for */
	size_t deal;               /* where the next dealing of reads starts */
	uint64_t fallbacks;
	struct replica_wait *pending;  /* arrived since the running probe began */
	struct replica_wait *attached; /* the running probe decides for these */
};

static void probe_start(struct replica *r);

static bool
node_fresh(const struct node *nd)
{
	return nd->usable &&
	       pt_monotonic_ns() - nd->probed_ns <= (uint64_t)PROBE_VALID_MS * 1000000u;
}

static void
set_state(struct node *nd, const char *state, bool usable)
{
	if (strcmp(nd->state, state) != 0) {
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "replica", nd->label);
		cJSON_AddStringToObject(f, "state", state);
		cJSON_AddNumberToObject(f, "lag_ms", (double)nd->lag_ms);
		cJSON_AddNumberToObject(f, "behind_bytes", (double)nd->behind_bytes);
		log_emit(usable ? LOG_INFO : LOG_WARN, "read replica", f);
	}
	nd->state = state;
	nd->usable = usable;
	nd->probed_ns = pt_monotonic_ns();
}

static void
set_unknown(struct node *nd, const char *state)
{
	nd->lag_ms = nd->behind_bytes = -1;
	set_state(nd, state, false);
}

/*
 * Every replica the probe waited for has answered: its reads are dealt in
 * turn to those it found caught up, or go to the primary.
 */
static void
probe_end(struct replica *r)
{
	r->probing = false;
	event_del(r->patience);
	struct replica_wait *w = r->attached;
	r->attached = NULL;
	while (w) {
		struct replica_wait *next = w->next;
		struct node *to = NULL;
		for (size_t k = 0; k < r->n && !to; k++) {
			struct node *nd = &r->nodes[(r->deal + k) % r->n];
			if (nd->caught_up_round == r->round) {
				to = nd;
				r->deal = (r->deal + k + 1) % r->n;
			}
		}
		if (to)
			to->reads++;
		else
			r->fallbacks++;
		w->ready(w->arg, to ? to->pool : NULL);
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
	struct node *nd = arg;
	struct replica *r = nd->r;
	nd->inflight = NULL;
	if (res->status != DB_OK || PQntuples(res->res) != 1) {
		set_unknown(nd, "unreachable");
	} else if (strcmp(PQgetvalue(res->res, 0, 2), "t") != 0) {
		set_unknown(nd, "not a replica");
	} else {
		nd->behind_bytes = atoll(PQgetvalue(res->res, 0, 0));
		nd->lag_ms = atoll(PQgetvalue(res->res, 0, 1));
		if (nd->behind_bytes == 0)
			nd->caught_up_round = nd->round;
		if (nd->lag_ms <= r->max_lag_ms)
			set_state(nd, "streaming", true);
		else
			set_state(nd, "lagging", false);
	}
	if (nd->awaited && nd->round == r->round) {
		nd->awaited = false;
		if (--r->awaiting == 0)
			probe_end(r);
	}
}

static void
primary_lsn_done(void *arg, const struct db_result *res)
{
	struct replica *r = arg;
	r->inflight = NULL;
	if (res->status != DB_OK || PQntuples(res->res) != 1) {
		/* Without the primary's position nothing is known: read the primary (or fail
		 * there). */
		for (size_t i = 0; i < r->n; i++)
			if (!r->nodes[i].inflight)
				set_unknown(&r->nodes[i], "unknown");
		probe_end(r);
		return;
	}
	const char *values[] = { PQgetvalue(res->res, 0, 0) };
	/*
	 * Every replica is asked, so that one that went away is seen coming back;
	 * only those usable now are waited for, so that one that is down or
	 * wedged holds no read. One still answering an earlier probe is skipped.
	 */
	r->awaiting = 0;
	for (size_t i = 0; i < r->n; i++) {
		struct node *nd = &r->nodes[i];
		if (nd->inflight)
			continue;
		bool wait_for = node_fresh(nd);
		enum db_status refusal;
		nd->round = r->round;
		nd->inflight =
		    db_submit(nd->pool, &sql_replica_lag, values, lag_done, nd, &refusal);
		if (!nd->inflight) {
			set_unknown(nd, "unreachable");
			continue;
		}
		nd->awaited = wait_for;
		r->awaiting += wait_for;
	}
	if (r->awaiting == 0)
		probe_end(r);
	else {
		struct timeval tv = { .tv_sec = PROBE_WAIT_MS / 1000,
			              .tv_usec = (PROBE_WAIT_MS % 1000) * 1000 };
		event_add(r->patience, &tv);
	}
}

/* Replicas that have not answered in PROBE_WAIT_MS: decide without them. */
static void
on_patience(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct replica *r = arg;
	for (size_t i = 0; i < r->n; i++) {
		struct node *nd = &r->nodes[i];
		if (nd->awaited && nd->round == r->round) {
			/* Its answer, when it comes, says what it is again. */
			nd->awaited = false;
			set_unknown(nd, "unreachable");
		}
	}
	r->awaiting = 0;
	probe_end(r);
}

/* Starts a probe; the waiters that arrived before it are the ones it decides for. */
static void
probe_start(struct replica *r)
{
	event_del(r->timer);
	event_del(r->kick);
	r->probing = true;
	r->round++;
	/* Appended, not swapped: attached is empty whenever no probe runs. */
	r->attached = r->pending;
	r->pending = NULL;
	for (struct replica_wait *w = r->attached; w; w = w->next)
		w->attached = true;
	enum db_status refusal;
	r->inflight =
	    db_submit(r->primary, &sql_replica_primary_lsn, NULL, primary_lsn_done, r, &refusal);
	if (!r->inflight) {
		for (size_t i = 0; i < r->n; i++)
			if (!r->nodes[i].inflight)
				set_unknown(&r->nodes[i], "unknown");
		probe_end(r);
	}
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct replica *r = arg;
	if (!r->probing)
		probe_start(r);
}

struct replica *
replica_new(struct event_base *base, struct db_pool *primary, struct db_pool *const *pools,
            const char *const *labels, size_t n, int max_lag_ms)
{
	if (n == 0)
		abort();
	struct replica *r = xcalloc(1, sizeof(*r));
	r->base = base;
	r->primary = primary;
	r->max_lag_ms = max_lag_ms;
	r->n = n;
	r->nodes = xcalloc(n, sizeof(*r->nodes));
	for (size_t i = 0; i < n; i++) {
		struct node *nd = &r->nodes[i];
		nd->r = r;
		nd->pool = pools[i];
		nd->label = xstrdup(labels[i]);
		nd->lag_ms = nd->behind_bytes = -1;
		nd->state = "unknown";
	}
	r->timer = evtimer_new(base, on_timer, r);
	r->kick = evtimer_new(base, on_timer, r);
	r->patience = evtimer_new(base, on_patience, r);
	if (!r->timer || !r->kick || !r->patience)
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
	for (size_t i = 0; i < r->n; i++) {
		struct node *nd = &r->nodes[i];
		if (nd->inflight)
			db_query_abandon(nd->inflight);
		db_pool_free(nd->pool);
		free(nd->label);
	}
	free(r->nodes);
	free_waiters(r->pending);
	free_waiters(r->attached);
	event_free(r->timer);
	event_free(r->kick);
	event_free(r->patience);
	free(r);
}

struct replica_wait *
replica_wait(struct replica *r, replica_ready_fn ready, void *arg)
{
	/* Every replica known behind, unreachable or stale: no point waiting. */
	bool any = false;
	for (size_t i = 0; i < r->n && !any; i++)
		any = node_fresh(&r->nodes[i]);
	if (!any)
		return NULL;
	struct replica_wait *w = xcalloc(1, sizeof(*w));
	w->r = r;
	w->ready = ready;
	w->arg = arg;
	w->next = r->pending;
	r->pending = w;
	if (!r->probing) {
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

size_t
replica_count(const struct replica *r)
{
	return r->n;
}

uint64_t
replica_fallbacks(const struct replica *r)
{
	return r->fallbacks;
}

void
replica_stats(const struct replica *r, size_t i, struct replica_stats *out)
{
	const struct node *nd = &r->nodes[i];
	out->label = nd->label;
	out->usable = node_fresh(nd);
	out->lag_ms = nd->lag_ms;
	out->behind_bytes = nd->behind_bytes;
	out->reads = nd->reads;
	out->state = nd->state;
}

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
/* A probe older than this (a wedged primary or replica) no longer vouches for the replica. */
#define PROBE_VALID_MS (3 * PROBE_MS)
/*
 * Writers by a hash of their user id, each slot the time until which its
 * callers read the primary. Two callers sharing a slot only make both read
 * the primary longer: never a stale read.
 */
#define WRITER_SLOTS 4096

struct replica {
	struct event_base *base;
	struct db_pool *primary;
	struct db_pool *pool;
	int max_lag_ms;
	struct event *timer;
	struct db_query *inflight; /* the probe's current query */
	struct db_pool *inflight_pool;
	bool probed, usable;
	/*
	 * Writes through other daemons: the change feed says something changed at
	 * changed_ns; the replica serves reads again only once a probe started
	 * after that (so its primary position is past the write's commit) found
	 * it caught up (verified_ns, that probe's start). No feed: no reads.
	 */
	bool feed_live;
	uint64_t changed_ns, verified_ns, probe_started_ns;
	long long lag_ms, behind_bytes;
	uint64_t probed_ns;
	const char *state;
	uint64_t reads;
	uint64_t writer_until[WRITER_SLOTS];
};

static void probe_start(struct replica *r);

static size_t
writer_slot(const char *user_id)
{
	uint64_t h = 1469598103934665603u; /* FNV-1a */
	for (const char *p = user_id; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211u;
	return (size_t)(h % WRITER_SLOTS);
}

static void
set_state(struct replica *r, const char *state, bool usable)
{
	if (r->state != state && strcmp(r->state, state) != 0) {
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "state", state);
		cJSON_AddNumberToObject(f, "lag_ms", (double)r->lag_ms);
		cJSON_AddNumberToObject(f, "behind_bytes", (double)r->behind_bytes);
		log_emit(usable ? LOG_INFO : LOG_WARN, "read replica", f);
	}
	r->state = state;
	r->usable = usable;
}

static void
schedule(struct replica *r)
{
	struct timeval tv = { .tv_sec = PROBE_MS / 1000, .tv_usec = (PROBE_MS % 1000) * 1000 };
	event_add(r->timer, &tv);
}

static bool
verified(const struct replica *r)
{
	return r->feed_live && r->verified_ns >= r->changed_ns;
}

static void
lag_done(void *arg, const struct db_result *res)
{
	struct replica *r = arg;
	r->inflight = NULL;
	bool again = false;
	r->probed = true;
	r->probed_ns = pt_monotonic_ns();
	if (res->status != DB_OK || PQntuples(res->res) != 1) {
		r->lag_ms = r->behind_bytes = -1;
		set_state(r, "unreachable", false);
	} else if (strcmp(PQgetvalue(res->res, 0, 2), "t") != 0) {
		r->lag_ms = r->behind_bytes = -1;
		set_state(r, "not a replica", false);
	} else {
		r->behind_bytes = atoll(PQgetvalue(res->res, 0, 0));
		r->lag_ms = atoll(PQgetvalue(res->res, 0, 1));
		if (r->behind_bytes == 0 && r->probe_started_ns > r->verified_ns)
			r->verified_ns = r->probe_started_ns;
		/* A change since this probe began, or one not replayed yet: look again now. */
		again = r->changed_ns > r->verified_ns && r->lag_ms <= r->max_lag_ms;
		if (r->lag_ms > r->max_lag_ms)
			set_state(r, "lagging", false);
		else if (!r->feed_live)
			set_state(r, "no change feed", false);
		else if (!verified(r))
			set_state(r, "catching up", false);
		else
			set_state(r, "streaming", true);
	}
	if (again)
		probe_start(r);
	else
		schedule(r);
}

static void
primary_lsn_done(void *arg, const struct db_result *res)
{
	struct replica *r = arg;
	r->inflight = NULL;
	if (res->status != DB_OK || PQntuples(res->res) != 1) {
		/* Without the primary's position the lag is unknown: read the primary (or fail
		 * there). */
		r->lag_ms = r->behind_bytes = -1;
		r->probed_ns = pt_monotonic_ns();
		set_state(r, "unknown", false);
		schedule(r);
		return;
	}
	const char *values[] = { PQgetvalue(res->res, 0, 0) };
	enum db_status refusal;
	r->inflight_pool = r->pool;
	r->inflight = db_submit(r->pool, &sql_replica_lag, values, lag_done, r, &refusal);
	if (!r->inflight) {
		r->lag_ms = r->behind_bytes = -1;
		r->probed_ns = pt_monotonic_ns();
		set_state(r, "unreachable", false);
		schedule(r);
	}
}

static void
probe_start(struct replica *r)
{
	enum db_status refusal;
	event_del(r->timer);
	r->probe_started_ns = pt_monotonic_ns();
	r->inflight_pool = r->primary;
	r->inflight =
	    db_submit(r->primary, &sql_replica_primary_lsn, NULL, primary_lsn_done, r, &refusal);
	if (!r->inflight) {
		set_state(r, "unknown", false);
		schedule(r);
	}
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	probe_start(arg);
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
	r->feed_live = true;
	r->timer = evtimer_new(base, on_timer, r);
	if (!r->timer)
		abort();
	/* The pools are still connecting: the first probe waits its turn in their queues. */
	schedule(r);
	return r;
}

void
replica_free(struct replica *r)
{
	if (!r)
		return;
	if (r->inflight)
		db_query_abandon(r->inflight);
	event_free(r->timer);
	db_pool_free(r->pool);
	free(r);
}

void
replica_changed(struct replica *r)
{
	r->changed_ns = pt_monotonic_ns();
	if (r->usable)
		set_state(r, "catching up", false);
	if (!r->inflight)
		probe_start(r);
}

void
replica_feed_live(struct replica *r, bool live)
{
	r->feed_live = live;
	replica_changed(r);
}

struct db_pool *
replica_pool_for_read(struct replica *r)
{
	if (!r || !r->usable || !verified(r))
		return NULL;
	if (pt_monotonic_ns() - r->probed_ns > (uint64_t)PROBE_VALID_MS * 1000000u)
		return NULL;
	return r->pool;
}

void
replica_note_write(struct replica *r, const char *user_id)
{
	uint64_t until = pt_monotonic_ns() + (uint64_t)(r->max_lag_ms + 2 * PROBE_MS) * 1000000u;
	size_t slot = writer_slot(user_id);
	if (r->writer_until[slot] < until)
		r->writer_until[slot] = until;
}

bool
replica_recent_writer(const struct replica *r, const char *user_id)
{
	return r->writer_until[writer_slot(user_id)] > pt_monotonic_ns();
}

void
replica_count_read(struct replica *r)
{
	r->reads++;
}

void
replica_stats(const struct replica *r, struct replica_stats *out)
{
	out->usable = r->usable && verified(r) &&
	              pt_monotonic_ns() - r->probed_ns <= (uint64_t)PROBE_VALID_MS * 1000000u;
	out->probed = r->probed;
	out->lag_ms = r->lag_ms;
	out->behind_bytes = r->behind_bytes;
	out->reads = r->reads;
	out->state = r->state;
}

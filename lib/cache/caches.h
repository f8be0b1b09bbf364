/*
 * The daemon's two caches and what keeps them true: dashboard answers (so a
 * dashboard costs no aggregate per request) and the identities behind bearer
 * tokens (so an authenticated request costs no lookup). Both are emptied
 * when the change feed says their inputs changed, when this daemon itself
 * writes (before the write's answer leaves, so a client reads its own
 * write), and are bypassed entirely while the feed is not live. The
 * dashboards are also bypassed while this daemon's sequencer fails: its
 * calls send the 'data' notifications (migration 0033).
 */
#ifndef PT_CACHES_H
#define PT_CACHES_H

#include <stdbool.h>
#include <stdint.h>

#include "cache/answer_cache.h"
#include "cache/flights.h"
#include "pg/change_feed.h"

struct event_base;

struct caches {
	struct change_feed *feed; /* NULL when caching is off */
	struct answer_cache *dashboards;
	struct answer_cache *tokens;
	struct flights
	    *dashboard_flights; /* dashboards being computed, for late askers to wait on */
	uint64_t max_age_ns;
	bool keep_dashboards; /* false: every dashboard is computed (--dashboard-cache 0) */
	bool data_notices;    /* the sequencer answers, so 'data' notifications flow */
};

/*
 * max_age_ms 0: no feed, and both caches stay disabled. keep_dashboards
 * false: the dashboard answers are never kept, the identities still are.
 */
struct caches *caches_new(struct event_base *base, const char *conninfo, long max_age_ms,
                          bool keep_dashboards, int reconnect_max_ms);
void caches_free(struct caches *c);

/* Reads pending change notifications; true when the caches may answer. */
bool caches_fresh(struct caches *c);

/* The same for the dashboards, which also need the 'data' notifications flowing. */
bool caches_dashboards_fresh(struct caches *c);

/*
 * Whether the sequencer's calls answer (sealer_on_health): while they fail
 * the dashboards are bypassed; either way what was kept is dropped, since
 * notifications may have been missed.
 */
void caches_data_notices(struct caches *c, bool flowing);

/* The deadline of an entry stored now. */
uint64_t caches_deadline(const struct caches *c);

/* This daemon changed data (and, if auth, a user or token): drop what it may stale. */
void caches_local_write(struct caches *c, bool auth);

#endif

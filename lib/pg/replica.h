/*
 * A read replica (--replica-url): its own pool, and probes of how far it is
 * behind the primary: the primary's WAL position (pg_current_wal_lsn), then
 * the bytes and time the replica has yet to replay up to it.
 *
 * A read that may go to the replica first waits for a probe begun after the
 * read arrived (replica_wait): only if that probe finds the replica caught up
 * with the primary's position, which is past every commit acknowledged
 * before the read arrived, through any daemon, does the read go there; else
 * it goes to the primary. So every caller reads its own writes and no read
 * is older than what was acknowledged before it. Reads that arrive while a
 * probe runs share the next one. A probe also runs once a second for
 * /metrics and /readyz; while it finds the replica unreachable or further
 * behind than max_lag_ms, reads go to the primary without waiting.
 */
#ifndef PT_REPLICA_H
#define PT_REPLICA_H

#include <stdbool.h>
#include <stdint.h>

#include "pg/db.h"

struct event_base;
struct replica;
struct replica_wait;

/* Takes the replica's pool (made by the caller like the primary's); primary is borrowed. */
struct replica *replica_new(struct event_base *base, struct db_pool *primary, struct db_pool *pool,
                            int max_lag_ms);
void replica_free(struct replica *r);

/*
 * Called once, later (never from within replica_wait), with the replica's
 * pool if the read may go there, else NULL (the primary).
 */
typedef void (*replica_ready_fn)(void *arg, struct db_pool *pool);

/* Returns NULL, having decided nothing, when the replica is known unusable: read the primary. */
struct replica_wait *replica_wait(struct replica *r, replica_ready_fn ready, void *arg);

/* The reader is gone: ready will not be called. */
void replica_wait_cancel(struct replica_wait *w);

struct replica_stats {
	bool usable;            /* the last periodic probe found it within max_lag_ms */
	long long lag_ms;       /* at the last probe; -1 unknown */
	long long behind_bytes; /* at the last probe; -1 unknown */
	uint64_t reads;         /* reads sent there */
	uint64_t fallbacks;     /* reads that waited and went to the primary */
	/* "streaming", "lagging", "unreachable", "not a replica", "unknown" */
	const char *state;
};
void replica_stats(const struct replica *r, struct replica_stats *out);

#endif

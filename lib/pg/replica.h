/*
 * The read replicas (--replica-url, one or several): each its own pool, and
 * probes of how far each is behind the primary: the WAL the primary has
 * flushed (pg_current_wal_flush_lsn: past every acknowledged commit, with
 * synchronous_commit on), then, on every replica at once, the bytes and time
 * it has yet to replay up to it.
 *
 * A read that may go to a replica first waits for a probe begun after the
 * read arrived (replica_wait): only a replica that this probe finds caught up
 * with the primary's position, which is past every commit acknowledged
 * before the read arrived, through any daemon, may take the read; the reads
 * a probe decides for are dealt in turn to the replicas it found caught up,
 * and go to the primary when it found none. So every caller reads its own
 * writes and no read is older than what was acknowledged before it. Reads
 * that arrive while a probe runs share the next one. A probe waits only for
 * the replicas usable when it began, and for none longer than a second, so
 * one that is down or wedged holds up no read. A probe also runs once
 * a second for /metrics and /readyz; while it finds every replica
 * unreachable, not in recovery or further behind than max_lag_ms, reads go
 * to the primary without waiting.
 */
#ifndef PT_REPLICA_H
#define PT_REPLICA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pg/db.h"

struct event_base;
struct replica;
struct replica_wait;

/*
 * Takes the n (at least 1) replicas' pools (made by the caller like the
 * primary's) and copies their labels (host:port, for logs and metrics);
 * primary is borrowed.
 */
struct replica *replica_new(struct event_base *base, struct db_pool *primary,
                            struct db_pool *const *pools, const char *const *labels, size_t n,
                            int max_lag_ms);
void replica_free(struct replica *r);

/*
 * Called once, later (never from within replica_wait), with a replica's
 * pool if the read may go there, else NULL (the primary).
 */
typedef void (*replica_ready_fn)(void *arg, struct db_pool *pool);

/* Returns NULL, having decided nothing, when no replica is usable: read the primary. */
struct replica_wait *replica_wait(struct replica *r, replica_ready_fn ready, void *arg);

/* The reader is gone: ready will not be called. */
void replica_wait_cancel(struct replica_wait *w);

size_t replica_count(const struct replica *r);

/* Reads that waited and went to the primary: no replica had everything acknowledged before them. */
uint64_t replica_fallbacks(const struct replica *r);

struct replica_stats {
	const char *label;      /* host:port; valid while r lives */
	bool usable;            /* the last periodic probe found it within max_lag_ms */
	long long lag_ms;       /* at the last probe; -1 unknown */
	long long behind_bytes; /* at the last probe; -1 unknown */
	uint64_t reads;         /* reads sent there */
	/* "streaming", "lagging", "unreachable", "not a replica", "unknown" */
	const char *state;
};
/* The i-th replica (0 <= i < replica_count), in --replica-url's order. */
void replica_stats(const struct replica *r, size_t i, struct replica_stats *out);

#endif

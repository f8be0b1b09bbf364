/*
 * A read replica (--replica-url): its own pool, and a probe once a second of
 * how far it is behind the primary (the primary's WAL position, then the
 * bytes and time the replica has yet to replay up to it). Reads that may go
 * there ask replica_pool_for_read, which says NULL when the replica is
 * unreachable, not a replica, behind by more than max_lag_ms, or not probed
 * lately: the read then goes to the primary. A caller who wrote reads the
 * primary for a while after (replica_note_write), so it reads its own writes
 * on this daemon; a write through another daemon arrives by the change feed
 * (replica_changed), after which the replica serves no read until a probe
 * begun after it finds the replica caught up with the primary.
 */
#ifndef PT_REPLICA_H
#define PT_REPLICA_H

#include <stdbool.h>
#include <stdint.h>

#include "pg/db.h"

struct event_base;
struct replica;

/* Takes the replica's pool (made by the caller like the primary's); primary is borrowed. */
struct replica *replica_new(struct event_base *base, struct db_pool *primary, struct db_pool *pool,
                            int max_lag_ms);
void replica_free(struct replica *r);

/* The replica's pool if a read may go there now, else NULL. */
struct db_pool *replica_pool_for_read(struct replica *r);

/* A caller (user id) wrote: its reads go to the primary for max_lag_ms plus two probes. */
void replica_note_write(struct replica *r, const char *user_id);
bool replica_recent_writer(const struct replica *r, const char *user_id);

/* The change feed reported a change (or came up or went down: replica_feed_live). */
void replica_changed(struct replica *r);
/* Without a live change feed other daemons' writes go unseen: the replica gets no reads. */
void replica_feed_live(struct replica *r, bool live);

struct replica_stats {
	bool usable;            /* reads may go there now */
	bool probed;            /* a probe has answered */
	long long lag_ms;       /* at the last probe; -1 unknown */
	long long behind_bytes; /* at the last probe; -1 unknown */
	uint64_t reads;         /* reads sent there */
	/* "streaming", "catching up", "lagging", "unreachable", "not a replica", "no change
	 * feed", "unknown" */
	const char *state;
};
void replica_stats(const struct replica *r, struct replica_stats *out);
void replica_count_read(struct replica *r);

#endif

/*
 * One dedicated database connection that LISTENs on policytrack_change (see
 * migration 0010) and reports what changed, so the daemon's caches drop what
 * another instance, a CLI or a hand-run statement made stale. It never blocks
 * the loop: the connection is made with PQconnectPoll and read on socket
 * events, and comes back with the pool's backoff when lost.
 *
 * While the feed is not live, notifications may be missed: the caches must
 * then not answer at all (caches.c bypasses them).
 */
#ifndef PT_CHANGE_FEED_H
#define PT_CHANGE_FEED_H

#include <stdbool.h>
#include <stdint.h>

struct event_base;
struct change_feed;

enum change_kind {
	CHANGE_DATA,    /* tasks, events, reports, periods or catalogue rows */
	CHANGE_AUTH,    /* a token revoked or a user changed or disabled */
	CHANGE_UNKNOWN, /* the feed went live or was lost: anything may have changed */
};

typedef void (*change_fn)(void *arg, enum change_kind kind);

struct change_feed *change_feed_new(struct event_base *base, const char *conninfo,
                                    int reconnect_max_ms, change_fn on_change, void *arg);
void change_feed_free(struct change_feed *feed);

/* True once LISTEN is in effect, until the connection is lost. */
bool change_feed_live(const struct change_feed *feed);

/*
 * Reads notifications already on the socket without waiting, so a cached
 * answer is not served while the news that stales it sits unread.
 */
void change_feed_poll(struct change_feed *feed);

struct change_feed_stats {
	uint64_t notifications, reconnects;
};
void change_feed_stats(const struct change_feed *feed, struct change_feed_stats *out);

#endif

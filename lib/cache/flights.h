/*
 * Collapsing identical computations: while one request computes an answer
 * that others want too (same key, same cache generation), the others wait
 * for it instead of each sending the same aggregate to the database. Without
 * this, a dashboard entry dropped by a write sends every concurrent reader to
 * PostgreSQL at once, and the pool's queue overflows.
 */
#ifndef PT_FLIGHTS_H
#define PT_FLIGHTS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

struct flights;
struct flight;

/* Embedded in a waiting request's state. */
struct flight_waiter {
	TAILQ_ENTRY(flight_waiter) link;
	struct flight *flight; /* NULL once landed, aborted or left */
	/*
	 * The answer's bytes; or, body NULL, the failure the computing request
	 * met (opaque here: what flight_end was given), to answer with the same;
	 * or, both NULL, nothing to share: compute your own.
	 */
	void (*done)(struct flight_waiter *w, const void *body, size_t len, const void *failure);
};

struct flights *flights_new(void);
void flights_free(struct flights *fs);

/* The flight computing key for generation, if one is under way. */
struct flight *flights_find(struct flights *fs, const char *key, uint64_t generation);

/* Registers the caller as computing key for generation. */
struct flight *flights_start(struct flights *fs, const char *key, uint64_t generation);

void flight_join(struct flight *f, struct flight_waiter *w);

/* The waiter's request was answered some other way (e.g. at shutdown). */
void flight_leave(struct flight_waiter *w);

/*
 * Ends f: each waiter's done gets body, or failure, or neither, and f is
 * freed. Waiters may free their state from done.
 */
void flight_end(struct flights *fs, struct flight *f, const void *body, size_t len,
                const void *failure);

#endif

/*
 * argon2id off the daemon: hashing and verifying run in helper processes,
 * not in the daemon's address space, so that a sign-in storm's 64 MiB
 * hashes (their page faults, TLB shootdowns, memory bandwidth) never reach
 * the loop. Each helper is this same binary started again in helper mode
 * (hasher_helper_main), at nice 19, with a socketpair to the loop, no
 * database connection and no other descriptor. The loop hands out one job
 * per helper at a time over non-blocking I/O; a helper that dies is reaped
 * and started again, and the job it held ends HASH_LOST.
 */
#ifndef PT_HASHER_H
#define PT_HASHER_H

#include <stdbool.h>

#include "core/hash_frame.h"
#include "core/util.h"

struct event_base;
struct hasher;

/* How a job ended; hash (MATCH with a rehash, HASHED) lives until done returns. */
struct hasher_reply {
	enum hash_outcome outcome;
	const char *hash; /* NULL unless there is one */
};

/* Called once per accepted job, on the loop (also from hasher_free: HASH_LOST). */
typedef void (*hasher_done_fn)(void *arg, const struct hasher_reply *reply);

/* The argv[1] that makes policytrackd a hash helper (see cmd/policytrackd/main.c). */
#define HASHER_HELPER_FLAG "--hash-helper"

/*
 * Starts nhelpers helper processes of the running binary (/proc/self/exe).
 * One that cannot be started is logged and tried again every second; while
 * none is up, jobs end HASH_LOST at once.
 */
struct hasher *hasher_new(struct event_base *base, int nhelpers);

/*
 * Stops the helpers: closes their sockets, so that each exits once its
 * hash is done (SIGKILL after 2 s: the HTTP server, gone by now, waited for
 * every job it cared about), reaps them, then ends every job not yet done
 * with HASH_LOST.
 */
void hasher_free(struct hasher *h);

/*
 * Verifies password against hash (NULL: the helper's dummy hash, for an
 * unknown user: the same cost and the same NO_MATCH). MATCH brings a new
 * hash when hash was made with other parameters than today's. False when
 * the queue is full (the caller answers 503); done is then never called.
 */
bool hasher_verify(struct hasher *h, const char *hash, const char *password, hasher_done_fn done,
                   void *arg) PT_WARN_UNUSED;

/*
 * Hashes a new password, unless it matches one of the recent hashes (REUSED)
 * or, with current, current does not match current_hash (CURRENT_WRONG;
 * a NULL current_hash never matches). False when the queue is full.
 */
bool hasher_new_password(struct hasher *h, const char *password, const char *current,
                         const char *current_hash, char *const *recent, int nrecent,
                         hasher_done_fn done, void *arg) PT_WARN_UNUSED;

/* Helpers started since hasher_new, the first ones included. */
long hasher_starts(const struct hasher *h);

/*
 * The helper process: serves requests on descriptor 3 until the daemon
 * closes it. argv is main's (argv[1] is HASHER_HELPER_FLAG, argv[2] the
 * daemon's pid); returns the exit status.
 */
int hasher_helper_main(int argc, char **argv);

#endif

/*
 * A small pool of threads for work that cannot be made non-blocking and is
 * slow on purpose: argon2id password hashing. A job runs `work` on a worker
 * thread, then `done` on the loop thread. Workers touch nothing but the job's
 * own memory; results come back through an eventfd the loop watches.
 */
#ifndef PT_WORKERS_H
#define PT_WORKERS_H

#include <stdbool.h>

#include "core/util.h"

struct event_base;
struct workers;

typedef void (*worker_fn)(void *arg);

struct workers *workers_new(struct event_base *base, int nthreads);

/*
 * Waits for running jobs, then calls done for every job not yet done, queued
 * ones included (their work never ran): done is called exactly once per job,
 * so it is where a job's memory is freed.
 */
void workers_free(struct workers *w);

/* Queues a job; false when the queue is full (the caller answers 503). */
bool workers_submit(struct workers *w, worker_fn work, worker_fn done, void *arg) PT_WARN_UNUSED;

/* Jobs queued or running. */
int workers_pending(const struct workers *w);

#endif

#include "core/workers.h"

#include <errno.h>
#include <event2/event.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Each argon2id hash takes ~64 MiB while it runs; a bounded queue caps the backlog. */
#define MAX_QUEUED 256

struct job {
	STAILQ_ENTRY(job) link;
	worker_fn work, done;
	void *arg;
};

STAILQ_HEAD(job_list, job);

struct workers {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct job_list todo;     /* guarded by lock */
	struct job_list finished; /* guarded by lock */
	int queued;               /* todo + running, guarded by lock */
	bool stopping;            /* guarded by lock */
	int nthreads;
	pthread_t *threads;
	int efd;
	struct event *done_ev;
};

static void *
worker_main(void *arg)
{
	struct workers *w = arg;
	/*
	 * A sign-in storm must not slow everything else: at nice 19 the loop
	 * thread wins a contended core about 98% of the time. Not SCHED_IDLE: the
	 * loop shares w->lock with these threads, and an idle-class thread
	 * preempted inside it could be starved for as long as other processes
	 * keep the cores busy, with the loop blocked behind it.
	 */
	(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19);
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->stopping && STAILQ_EMPTY(&w->todo))
			pthread_cond_wait(&w->wake, &w->lock);
		if (w->stopping)
			break;
		struct job *j = STAILQ_FIRST(&w->todo);
		STAILQ_REMOVE_HEAD(&w->todo, link);
		pthread_mutex_unlock(&w->lock);
		j->work(j->arg);
		pthread_mutex_lock(&w->lock);
		STAILQ_INSERT_TAIL(&w->finished, j, link);
		pthread_mutex_unlock(&w->lock);
		uint64_t one = 1;
		/* The loop wakes on this; a full counter still wakes it, so the result is ignored.
		 * Written outside the lock, to keep the loop's waits on it as short as can be. */
		ssize_t n = write(w->efd, &one, sizeof(one));
		(void)n;
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void
on_done(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	struct workers *w = arg;
	uint64_t count;
	ssize_t n = read(fd, &count, sizeof(count));
	(void)n;
	struct job_list ready = STAILQ_HEAD_INITIALIZER(ready);
	pthread_mutex_lock(&w->lock);
	STAILQ_CONCAT(&ready, &w->finished);
	pthread_mutex_unlock(&w->lock);
	struct job *j;
	while ((j = STAILQ_FIRST(&ready)) != NULL) {
		STAILQ_REMOVE_HEAD(&ready, link);
		pthread_mutex_lock(&w->lock);
		w->queued--;
		pthread_mutex_unlock(&w->lock);
		j->done(j->arg);
		free(j);
	}
}

struct workers *
workers_new(struct event_base *base, int nthreads)
{
	struct workers *w = xcalloc(1, sizeof(*w));
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	STAILQ_INIT(&w->todo);
	STAILQ_INIT(&w->finished);
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0)
		abort();
	w->done_ev = event_new(base, w->efd, EV_READ | EV_PERSIST, on_done, w);
	if (!w->done_ev)
		abort();
	event_add(w->done_ev, NULL);
	w->nthreads = nthreads;
	w->threads = xcalloc((size_t)nthreads, sizeof(*w->threads));
	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&w->threads[i], NULL, worker_main, w) != 0)
			abort();
	return w;
}

void
workers_free(struct workers *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->lock);
	for (int i = 0; i < w->nthreads; i++)
		pthread_join(w->threads[i], NULL);
	STAILQ_CONCAT(&w->finished, &w->todo);
	struct job *j;
	while ((j = STAILQ_FIRST(&w->finished)) != NULL) {
		STAILQ_REMOVE_HEAD(&w->finished, link);
		j->done(j->arg);
		free(j);
	}
	event_free(w->done_ev);
	close(w->efd);
	free(w->threads);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

bool
workers_submit(struct workers *w, worker_fn work, worker_fn done, void *arg)
{
	pthread_mutex_lock(&w->lock);
	if (w->queued >= MAX_QUEUED) {
		pthread_mutex_unlock(&w->lock);
		return false;
	}
	struct job *j = xcalloc(1, sizeof(*j));
	j->work = work;
	j->done = done;
	j->arg = arg;
	STAILQ_INSERT_TAIL(&w->todo, j, link);
	w->queued++;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	return true;
}

int
workers_pending(const struct workers *w)
{
	pthread_mutex_lock((pthread_mutex_t *)&w->lock);
	int n = w->queued;
	pthread_mutex_unlock((pthread_mutex_t *)&w->lock);
	return n;
}

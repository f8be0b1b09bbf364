#include "cache/flights.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"

TAILQ_HEAD(waiter_list, flight_waiter);

struct flight {
	LIST_ENTRY(flight) link;
	char *key;
	uint64_t generation;
	struct waiter_list waiters;
};

/* Few flights are ever in the air at once (one per distinct dashboard query): a list will do. */
struct flights {
	LIST_HEAD(, flight) list;
};

struct flights *
flights_new(void)
{
	struct flights *fs = xcalloc(1, sizeof(*fs));
	LIST_INIT(&fs->list);
	return fs;
}

static void
flight_free(struct flight *f)
{
	free(f->key);
	free(f);
}

void
flights_free(struct flights *fs)
{
	if (!fs)
		return;
	struct flight *f;
	while ((f = LIST_FIRST(&fs->list)) != NULL) {
		LIST_REMOVE(f, link);
		struct flight_waiter *w;
		while ((w = TAILQ_FIRST(&f->waiters)) != NULL) {
			TAILQ_REMOVE(&f->waiters, w, link);
			w->flight = NULL;
		}
		flight_free(f);
	}
	free(fs);
}

struct flight *
flights_find(struct flights *fs, const char *key, uint64_t generation)
{
	struct flight *f;
	LIST_FOREACH(f, &fs->list, link)
	if (f->generation == generation && strcmp(f->key, key) == 0)
		return f;
	return NULL;
}

struct flight *
flights_start(struct flights *fs, const char *key, uint64_t generation)
{
	struct flight *f = xcalloc(1, sizeof(*f));
	f->key = xstrdup(key);
	f->generation = generation;
	TAILQ_INIT(&f->waiters);
	LIST_INSERT_HEAD(&fs->list, f, link);
	return f;
}

void
flight_join(struct flight *f, struct flight_waiter *w)
{
	w->flight = f;
	TAILQ_INSERT_TAIL(&f->waiters, w, link);
}

void
flight_leave(struct flight_waiter *w)
{
	if (!w->flight)
		return;
	TAILQ_REMOVE(&w->flight->waiters, w, link);
	w->flight = NULL;
}

void
flight_end(struct flights *fs, struct flight *f, const void *body, size_t len, const void *failure)
{
	(void)fs;
	LIST_REMOVE(f, link);
	/* Take each waiter off before calling it: its done may free it or start anew. */
	struct flight_waiter *w;
	while ((w = TAILQ_FIRST(&f->waiters)) != NULL) {
		TAILQ_REMOVE(&f->waiters, w, link);
		w->flight = NULL;
		w->done(w, body, len, failure);
	}
	flight_free(f);
}

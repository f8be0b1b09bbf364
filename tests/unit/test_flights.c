#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "cache/flights.h"
#include "tap.h"

struct asker {
	struct flight_waiter w; /* first: the callback gets it back */
	int calls;
	char got[16];
	bool failed;
	const void *failure;
};

static void
on_done(struct flight_waiter *w, const void *body, size_t len, const void *failure)
{
	struct asker *a = (struct asker *)w;
	a->calls++;
	a->failed = body == NULL;
	a->failure = failure;
	if (body)
		memcpy(a->got, body, len < sizeof(a->got) - 1 ? len : sizeof(a->got) - 1);
}

int
main(void)
{
	struct flights *fs = flights_new();
	CHECK(flights_find(fs, "k", 1) == NULL, "nothing in flight at first");
	struct flight *f = flights_start(fs, "k", 1);
	CHECK(flights_find(fs, "k", 1) == f,
	      "a started computation is found by key and generation");
	CHECK(flights_find(fs, "k", 2) == NULL,
	      "a later generation does not wait on an earlier one");
	CHECK(flights_find(fs, "other", 1) == NULL, "another key does not match");

	struct asker a = { .w.done = on_done }, b = { .w.done = on_done },
	             c = { .w.done = on_done };
	flight_join(f, &a.w);
	flight_join(f, &b.w);
	flight_join(f, &c.w);
	flight_leave(&b.w);
	flight_end(fs, f, "answer", 6, NULL);
	CHECK(a.calls == 1 && !a.failed && strcmp(a.got, "answer") == 0,
	      "a waiter gets the answer");
	CHECK(c.calls == 1 && strcmp(c.got, "answer") == 0, "every waiter gets it");
	CHECK(b.calls == 0, "a waiter that left is not called");
	CHECK(flights_find(fs, "k", 1) == NULL, "an ended flight is gone");

	struct asker d = { .w.done = on_done };
	f = flights_start(fs, "k", 3);
	flight_join(f, &d.w);
	flight_end(fs, f, NULL, 0, NULL);
	CHECK(d.calls == 1 && d.failed && !d.failure,
	      "a computation with nothing to share tells its waiters to compute their own");

	static const int why = 503;
	struct asker g = { .w.done = on_done };
	f = flights_start(fs, "k", 5);
	flight_join(f, &g.w);
	flight_end(fs, f, NULL, 0, &why);
	CHECK(g.calls == 1 && g.failed && g.failure == &why, "a failure is passed on as it is");

	struct asker e = { .w.done = on_done };
	f = flights_start(fs, "left in the air", 4);
	flight_join(f, &e.w);
	flights_free(fs);
	CHECK(e.calls == 0 && e.w.flight == NULL, "freeing forgets waiters without calling them");
	return tap_done();
}

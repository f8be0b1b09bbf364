#include <string.h>

#include "cache/answer_cache.h"
#include "core/util.h"
#include "tap.h"

#define LATER (pt_monotonic_ns() + 60000000000u)

static bool
holds(struct answer_cache *c, const char *key, const char *want)
{
	size_t len;
	const char *got = answer_cache_get(c, key, &len);
	return got && len == strlen(want) && memcmp(got, want, len) == 0;
}

int
main(void)
{
	struct answer_cache *c = answer_cache_new(3, 64);
	uint64_t gen = answer_cache_generation(c);
	answer_cache_put(c, "a", gen, LATER, "alpha", 5);
	CHECK(holds(c, "a", "alpha"), "a put entry is found");
	answer_cache_put(c, "a", gen, LATER, "ALPHA", 5);
	CHECK(holds(c, "a", "ALPHA"), "a second put replaces the first");
	size_t len;
	CHECK(answer_cache_get(c, "b", &len) == NULL, "an unknown key is a miss");

	answer_cache_invalidate(c);
	CHECK(answer_cache_get(c, "a", &len) == NULL, "invalidation forgets every entry");
	answer_cache_put(c, "a", gen, LATER, "stale", 5);
	CHECK(answer_cache_get(c, "a", &len) == NULL,
	      "an answer computed before an invalidation is not kept");

	gen = answer_cache_generation(c);
	answer_cache_put(c, "old", gen, pt_monotonic_ns() - 1, "x", 1);
	CHECK(answer_cache_get(c, "old", &len) == NULL, "an entry past its deadline is a miss");

	answer_cache_put(c, "1", gen, LATER, "one", 3);
	answer_cache_put(c, "2", gen, LATER, "two", 3);
	answer_cache_put(c, "3", gen, LATER, "three", 5);
	answer_cache_put(c, "4", gen, LATER, "four", 4);
	struct answer_cache_stats st;
	answer_cache_stats(c, &st);
	CHECK(st.entries <= 3, "never more entries than the cap");
	CHECK(holds(c, "4", "four"), "the newest entry survives the cap");
	char big[65] = { 0 };
	memset(big, 'z', 64);
	answer_cache_put(c, "big", gen, LATER, big, 65);
	CHECK(answer_cache_get(c, "big", &len) == NULL,
	      "an answer larger than the cache is not kept");

	answer_cache_set_enabled(c, false);
	gen = answer_cache_generation(c);
	answer_cache_put(c, "off", gen, LATER, "x", 1);
	CHECK(answer_cache_get(c, "off", &len) == NULL, "a disabled cache keeps nothing");
	answer_cache_set_enabled(c, true);
	CHECK(answer_cache_get(c, "4", &len) == NULL, "re-enabling starts empty");
	answer_cache_put(c, "on", gen, LATER, "x", 1);
	CHECK(answer_cache_get(c, "on", &len) == NULL,
	      "a computation begun while disabled is not kept after enabling");

	answer_cache_stats(c, &st);
	CHECK(st.hits == 3 && st.misses == 7, "hits and misses are counted");
	answer_cache_free(c);
	return tap_done();
}

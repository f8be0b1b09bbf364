/*
 * A bounded map from a key to bytes with a deadline, emptied as a whole when
 * what it was computed from changes. Used for dashboard answers and for the
 * identities behind bearer tokens.
 *
 * Staleness is prevented by generations: a caller notes the generation
 * before it starts computing an entry and hands it to put(), which drops the
 * entry if the cache was invalidated in between (the computation may have
 * read the old state).
 */
#ifndef PT_ANSWER_CACHE_H
#define PT_ANSWER_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct answer_cache;

struct answer_cache *answer_cache_new(size_t max_entries, size_t max_bytes);
void answer_cache_free(struct answer_cache *c);

uint64_t answer_cache_generation(const struct answer_cache *c);

/* Forgets every entry; puts begun before this are dropped. */
void answer_cache_invalidate(struct answer_cache *c);

/* While disabled, get finds nothing and put keeps nothing. Enabling starts empty. */
void answer_cache_set_enabled(struct answer_cache *c, bool enabled);

/*
 * The bytes stored under key, valid until the cache changes; NULL when there
 * are none or their deadline (monotonic ns) has passed.
 */
const void *answer_cache_get(struct answer_cache *c, const char *key, size_t *len);

/* Stores a copy of data under key until expires_ns, unless generation is stale. */
void answer_cache_put(struct answer_cache *c, const char *key, uint64_t generation,
                      uint64_t expires_ns, const void *data, size_t len);

struct answer_cache_stats {
	uint64_t hits, misses, invalidations, entries, bytes;
};
void answer_cache_stats(const struct answer_cache *c, struct answer_cache_stats *out);

#endif

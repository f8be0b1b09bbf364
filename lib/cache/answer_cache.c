#include "cache/answer_cache.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"

#define BUCKETS 1024 /* a power of two */

struct entry {
	struct entry *next;
	uint64_t hash;
	uint64_t expires_ns;
	size_t len;
	char *key;
	unsigned char *data;
};

struct answer_cache {
	struct entry *buckets[BUCKETS];
	size_t max_entries, max_bytes;
	size_t entries, bytes;
	uint64_t generation;
	bool enabled;
	uint64_t hits, misses, invalidations;
};

static uint64_t
key_hash(const char *key)
{
	uint64_t h = 14695981039346656037u;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211u;
	return h;
}

static void
entry_free(struct entry *e)
{
	free(e->key);
	free(e->data);
	free(e);
}

static void
drop_all(struct answer_cache *c)
{
	for (size_t i = 0; i < BUCKETS; i++) {
		struct entry *e = c->buckets[i];
		while (e) {
			struct entry *next = e->next;
			entry_free(e);
			e = next;
		}
		c->buckets[i] = NULL;
	}
	c->entries = 0;
	c->bytes = 0;
}

struct answer_cache *
answer_cache_new(size_t max_entries, size_t max_bytes)
{
	struct answer_cache *c = xcalloc(1, sizeof(*c));
	c->max_entries = max_entries;
	c->max_bytes = max_bytes;
	c->enabled = true;
	return c;
}

void
answer_cache_free(struct answer_cache *c)
{
	if (!c)
		return;
	drop_all(c);
	free(c);
}

uint64_t
answer_cache_generation(const struct answer_cache *c)
{
	return c->generation;
}

void
answer_cache_invalidate(struct answer_cache *c)
{
	c->generation++;
	c->invalidations++;
	drop_all(c);
}

void
answer_cache_set_enabled(struct answer_cache *c, bool enabled)
{
	if (c->enabled == enabled)
		return;
	c->enabled = enabled;
	answer_cache_invalidate(c);
}

/* The entry under key and the link that points at it, expired or not. */
static struct entry **
find(struct answer_cache *c, const char *key, uint64_t hash)
{
	struct entry **link = &c->buckets[hash & (BUCKETS - 1)];
	for (; *link; link = &(*link)->next)
		if ((*link)->hash == hash && strcmp((*link)->key, key) == 0)
			return link;
	return link;
}

static void
unlink_entry(struct answer_cache *c, struct entry **link)
{
	struct entry *e = *link;
	*link = e->next;
	c->entries--;
	c->bytes -= e->len;
	entry_free(e);
}

const void *
answer_cache_get(struct answer_cache *c, const char *key, size_t *len)
{
	if (!c->enabled)
		return NULL;
	uint64_t hash = key_hash(key);
	struct entry **link = find(c, key, hash);
	if (*link && (*link)->expires_ns <= pt_monotonic_ns())
		unlink_entry(c, link);
	if (!*link) {
		c->misses++;
		return NULL;
	}
	c->hits++;
	*len = (*link)->len;
	return (*link)->data;
}

void
answer_cache_put(struct answer_cache *c, const char *key, uint64_t generation, uint64_t expires_ns,
                 const void *data, size_t len)
{
	if (!c->enabled || generation != c->generation || len > c->max_bytes)
		return;
	uint64_t hash = key_hash(key);
	struct entry **link = find(c, key, hash);
	if (*link)
		unlink_entry(c, link);
	/* Full: start over rather than track recency; entries are cheap to recompute. */
	if (c->entries >= c->max_entries || c->bytes + len > c->max_bytes) {
		drop_all(c);
		link = find(c, key, hash);
	}
	struct entry *e = xcalloc(1, sizeof(*e));
	e->hash = hash;
	e->expires_ns = expires_ns;
	e->len = len;
	e->key = xstrdup(key);
	e->data = xmalloc(len ? len : 1);
	memcpy(e->data, data, len);
	*link = e;
	c->entries++;
	c->bytes += len;
}

void
answer_cache_stats(const struct answer_cache *c, struct answer_cache_stats *out)
{
	out->hits = c->hits;
	out->misses = c->misses;
	out->invalidations = c->invalidations;
	out->entries = c->entries;
	out->bytes = c->bytes;
}

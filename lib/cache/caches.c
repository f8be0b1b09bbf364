#include "cache/caches.h"

#include <stdlib.h>

#include "core/util.h"

/* Dashboards come in a handful of filter combinations; identities, one per live token. */
#define DASHBOARD_ENTRIES 1024
#define DASHBOARD_BYTES   (64u << 20)
#define TOKEN_ENTRIES     16384
#define TOKEN_BYTES       (16u << 20)

static void
on_change(void *arg, enum change_kind kind)
{
	struct caches *c = arg;
	switch (kind) {
	case CHANGE_DATA:
		answer_cache_invalidate(c->dashboards);
		break;
	case CHANGE_AUTH:
		answer_cache_invalidate(c->tokens);
		break;
	case CHANGE_UNKNOWN:
	default: {
		bool live = change_feed_live(c->feed);
		answer_cache_set_enabled(c->dashboards, live);
		answer_cache_set_enabled(c->tokens, live);
		answer_cache_invalidate(c->dashboards);
		answer_cache_invalidate(c->tokens);
		break;
	}
	}
}

struct caches *
caches_new(struct event_base *base, const char *conninfo, long max_age_ms, bool keep_dashboards,
           int reconnect_max_ms)
{
	struct caches *c = xcalloc(1, sizeof(*c));
	c->keep_dashboards = keep_dashboards;
	c->dashboards = answer_cache_new(DASHBOARD_ENTRIES, DASHBOARD_BYTES);
	c->tokens = answer_cache_new(TOKEN_ENTRIES, TOKEN_BYTES);
	c->dashboard_flights = flights_new();
	c->max_age_ns = (uint64_t)max_age_ms * 1000000u;
	c->data_notices = true; /* until a sequencer call fails */
	/* Until the feed listens, nothing may be served from memory. */
	answer_cache_set_enabled(c->dashboards, false);
	answer_cache_set_enabled(c->tokens, false);
	if (max_age_ms > 0)
		c->feed = change_feed_new(base, conninfo, reconnect_max_ms, on_change, c);
	return c;
}

void
caches_free(struct caches *c)
{
	if (!c)
		return;
	change_feed_free(c->feed);
	answer_cache_free(c->dashboards);
	answer_cache_free(c->tokens);
	flights_free(c->dashboard_flights);
	free(c);
}

bool
caches_fresh(struct caches *c)
{
	if (!c->feed)
		return false;
	change_feed_poll(c->feed);
	return change_feed_live(c->feed);
}

bool
caches_dashboards_fresh(struct caches *c)
{
	return c->data_notices && caches_fresh(c);
}

void
caches_data_notices(struct caches *c, bool flowing)
{
	if (c->data_notices == flowing)
		return;
	c->data_notices = flowing;
	answer_cache_invalidate(c->dashboards);
}

uint64_t
caches_deadline(const struct caches *c)
{
	return pt_monotonic_ns() + c->max_age_ns;
}

void
caches_local_write(struct caches *c, bool auth)
{
	answer_cache_invalidate(c->dashboards);
	if (auth)
		answer_cache_invalidate(c->tokens);
}

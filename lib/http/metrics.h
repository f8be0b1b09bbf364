/*
 * Prometheus metrics, kept in plain counters on the loop thread (no locks: one
 * loop owns them) and rendered in the text exposition format on demand.
 */
#ifndef PT_METRICS_H
#define PT_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/answer_cache.h"
#include "http/router.h"

struct evbuffer;
struct metrics;

/* As many as --replica-url may name (pg/conninfo_hosts.h). */
#define METRICS_REPLICAS_MAX 16

/* Point-in-time values that other modules own; sampled at render time. */
struct metrics_gauges {
	long connections_open;
	long requests_in_flight;
	long uploads_in_progress;
	long pool_in_use, pool_idle, pool_connecting, pool_down;
	long pool_waiting;
	long pool_pipelined;
	uint64_t db_reconnects, db_errors;
	int change_feed_live; /* -1 when caching is off */
	uint64_t change_notifications, change_feed_reconnects;
	struct answer_cache_stats dashboard_cache, token_cache;
	/* The webhook outbox (http/outbox.h): depth and parked as last sampled (-1: not yet). */
	long webhook_pending, webhook_parked, webhook_in_flight;
	uint64_t webhook_attempts, webhook_failures, webhook_delivered, webhook_parked_total;
	/* The read replicas (--replica-url), in its order; none is printed without one. */
	size_t replicas;
	struct metrics_replica {
		const char *address; /* host:port, a label */
		int usable;
		double lag_seconds;     /* -1: unknown */
		long long behind_bytes; /* -1: unknown */
		uint64_t reads;
	} replica[METRICS_REPLICAS_MAX];
	uint64_t replica_fallbacks;
	/* The audit sealer (pg/sealer.h); none is printed without one. */
	bool sealer;
	uint64_t seal_runs, seal_events, seal_failures;
	double seal_last_seconds; /* -1 before the first */
};

/* routes is borrowed and must outlive the metrics. */
struct metrics *metrics_new(const struct route *routes, size_t nroutes);
void metrics_free(struct metrics *m);

/* route_index is the route's index in the table, or -1 for requests no route matched. */
void metrics_observe_request(struct metrics *m, int route_index, enum http_method method,
                             int status, uint64_t duration_ns);

/* A request refused below routing (framing, limits, deadlines); reason is a short slug. */
void metrics_count_rejection(struct metrics *m, const char *reason);

/* A login attempt: result is "success", "failure" or "throttled". */
void metrics_count_login(struct metrics *m, const char *result);

void metrics_render(const struct metrics *m, const struct metrics_gauges *g, struct evbuffer *out);

#endif

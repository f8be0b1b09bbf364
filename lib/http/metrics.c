#include "http/metrics.h"

#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

static const double latency_buckets[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	                                  0.1,    0.25,  0.5,    1,     2.5,  5,     10 };
#define NBUCKETS PT_ARRAY_LEN(latency_buckets)

/* Distinct (route, method, status) triples; a real service sees a few hundred. */
#define COUNTER_SLOTS 4096

struct request_counter {
	int route; /* -1: unmatched; -2: empty slot */
	enum http_method method;
	int status;
	uint64_t count;
};

struct histogram {
	uint64_t buckets[NBUCKETS];
	uint64_t count;
	double sum;
};

#define MAX_REJECTION_REASONS 16

struct metrics {
	const struct route *routes;
	size_t nroutes;
	struct request_counter counters[COUNTER_SLOTS];
	struct histogram *latency; /* nroutes + 1; the last is "unmatched" */
	struct {
		const char *reason;
		uint64_t count;
	} rejections[MAX_REJECTION_REASONS];
	uint64_t counters_overflow;
	uint64_t logins[3]; /* success, failure, throttled */
};

static const char *const login_results[] = { "success", "failure", "throttled" };

struct metrics *
metrics_new(const struct route *routes, size_t nroutes)
{
	struct metrics *m = xcalloc(1, sizeof(*m));
	m->routes = routes;
	m->nroutes = nroutes;
	m->latency = xcalloc(nroutes + 1, sizeof(*m->latency));
	for (size_t i = 0; i < COUNTER_SLOTS; i++)
		m->counters[i].route = -2;
	return m;
}

void
metrics_free(struct metrics *m)
{
	if (!m)
		return;
	free(m->latency);
	free(m);
}

void
metrics_observe_request(struct metrics *m, int route_index, enum http_method method, int status,
                        uint64_t duration_ns)
{
	uint64_t h = ((uint64_t)(route_index + 1) * 1000003u) ^ ((uint64_t)method * 7919u) ^
	             ((uint64_t)status * 104729u);
	for (size_t probe = 0; probe < COUNTER_SLOTS; probe++) {
		struct request_counter *c = &m->counters[(h + probe) % COUNTER_SLOTS];
		if (c->route == -2) {
			c->route = route_index;
			c->method = method;
			c->status = status;
		}
		if (c->route == route_index && c->method == method && c->status == status) {
			c->count++;
			goto latency;
		}
	}
	m->counters_overflow++;
latency:;
	struct histogram *hist =
	    &m->latency[route_index >= 0 && (size_t)route_index < m->nroutes ? (size_t)route_index
	                                                                     : m->nroutes];
	double seconds = (double)duration_ns / 1e9;
	for (size_t i = 0; i < NBUCKETS; i++)
		if (seconds <= latency_buckets[i])
			hist->buckets[i]++;
	hist->count++;
	hist->sum += seconds;
}

void
metrics_count_rejection(struct metrics *m, const char *reason)
{
	for (size_t i = 0; i < MAX_REJECTION_REASONS; i++) {
		if (!m->rejections[i].reason)
			m->rejections[i].reason = reason;
		if (strcmp(m->rejections[i].reason, reason) == 0) {
			m->rejections[i].count++;
			return;
		}
	}
}

void
metrics_count_login(struct metrics *m, const char *result)
{
	for (size_t i = 0; i < PT_ARRAY_LEN(login_results); i++)
		if (strcmp(result, login_results[i]) == 0)
			m->logins[i]++;
}

static const char *
route_label(const struct metrics *m, int route_index)
{
	return route_index >= 0 && (size_t)route_index < m->nroutes ? m->routes[route_index].pattern
	                                                            : "unmatched";
}

/* A label value as the exposition format quotes it. */
static void
add_label_value(struct evbuffer *out, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			evbuffer_add_printf(out, "\\%c", *v);
		else if (*v == '\n')
			evbuffer_add(out, "\\n", 2);
		else
			evbuffer_add(out, v, 1);
	}
}

/* The per-replica families, each one series per replica. */
enum replica_value { REPLICA_USABLE, REPLICA_LAG, REPLICA_BEHIND, REPLICA_READS };
static const struct {
	const char *name, *type, *help;
	enum replica_value value;
} replica_families[] = {
	{ "policytrack_replica_usable", "gauge",
	  "1 while reads may go to the read replica (reachable, a replica, within "
	  "--replica-max-lag-ms), else 0.",
	  REPLICA_USABLE },
	{ "policytrack_replica_lag_seconds", "gauge",
	  "How long the replica was behind the primary at the last probe (0 caught up, -1 "
	  "unknown).",
	  REPLICA_LAG },
	{ "policytrack_replica_behind_bytes", "gauge",
	  "WAL the replica had yet to replay at the last probe (-1 unknown).", REPLICA_BEHIND },
	{ "policytrack_replica_reads_total", "counter", "Reads sent to the read replica.",
	  REPLICA_READS },
};

static void
render_replicas(const struct metrics_gauges *g, struct evbuffer *out)
{
	size_t n = g->replicas < METRICS_REPLICAS_MAX ? g->replicas : METRICS_REPLICAS_MAX;
	for (size_t f = 0; f < PT_ARRAY_LEN(replica_families); f++) {
		const char *name = replica_families[f].name;
		evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name,
		                    replica_families[f].help, name, replica_families[f].type);
		for (size_t i = 0; i < n; i++) {
			/* Labelled by the replica's place in --replica-url (1-based) and address.
			 */
			const struct metrics_replica *r = &g->replica[i];
			evbuffer_add_printf(out, "%s{replica=\"%zu\",address=\"", name, i + 1);
			add_label_value(out, r->address);
			evbuffer_add(out, "\"} ", 3);
			switch (replica_families[f].value) {
			case REPLICA_USABLE:
				evbuffer_add_printf(out, "%d\n", r->usable);
				break;
			case REPLICA_LAG:
				evbuffer_add_printf(out, "%.3f\n", r->lag_seconds);
				break;
			case REPLICA_BEHIND:
				evbuffer_add_printf(out, "%lld\n", r->behind_bytes);
				break;
			case REPLICA_READS:
				evbuffer_add_printf(out, "%llu\n", (unsigned long long)r->reads);
				break;
			}
		}
	}
	evbuffer_add_printf(out,
	                    "# HELP policytrack_replica_fallbacks_total Reads that waited for the "
	                    "replicas and went to the primary (none had replayed everything "
	                    "acknowledged before them).\n"
	                    "# TYPE policytrack_replica_fallbacks_total counter\n"
	                    "policytrack_replica_fallbacks_total %llu\n",
	                    (unsigned long long)g->replica_fallbacks);
}

void
metrics_render(const struct metrics *m, const struct metrics_gauges *g, struct evbuffer *out)
{
	evbuffer_add_printf(out, "# HELP policytrack_http_requests_total HTTP requests answered, "
	                         "by route pattern, method and status.\n"
	                         "# TYPE policytrack_http_requests_total counter\n");
	for (size_t i = 0; i < COUNTER_SLOTS; i++) {
		const struct request_counter *c = &m->counters[i];
		if (c->route == -2)
			continue;
		const char *method = http_method_name(c->method);
		evbuffer_add_printf(out,
		                    "policytrack_http_requests_total{route=\"%s\",method=\"%s\","
		                    "status=\"%d\"} %llu\n",
		                    route_label(m, c->route), method ? method : "OTHER", c->status,
		                    (unsigned long long)c->count);
	}

	evbuffer_add_printf(out, "# HELP policytrack_http_request_duration_seconds Time from "
	                         "routing a request to its answer, by route pattern.\n"
	                         "# TYPE policytrack_http_request_duration_seconds histogram\n");
	for (size_t r = 0; r <= m->nroutes; r++) {
		const struct histogram *h = &m->latency[r];
		const char *label = route_label(m, r < m->nroutes ? (int)r : -1);
		for (size_t i = 0; i < NBUCKETS; i++)
			evbuffer_add_printf(
			    out,
			    "policytrack_http_request_duration_seconds_bucket{route="
			    "\"%s\",le=\"%g\"} %llu\n",
			    label, latency_buckets[i], (unsigned long long)h->buckets[i]);
		evbuffer_add_printf(
		    out,
		    "policytrack_http_request_duration_seconds_bucket{route=\"%s\","
		    "le=\"+Inf\"} %llu\n"
		    "policytrack_http_request_duration_seconds_sum{route=\"%s\"} %.9f\n"
		    "policytrack_http_request_duration_seconds_count{route=\"%s\"} "
		    "%llu\n",
		    label, (unsigned long long)h->count, label, h->sum, label,
		    (unsigned long long)h->count);
	}

	evbuffer_add_printf(out, "# HELP policytrack_http_rejected_total Requests refused before "
	                         "routing (framing, limits, deadlines), by reason.\n"
	                         "# TYPE policytrack_http_rejected_total counter\n");
	for (size_t i = 0; i < MAX_REJECTION_REASONS && m->rejections[i].reason; i++)
		evbuffer_add_printf(out, "policytrack_http_rejected_total{reason=\"%s\"} %llu\n",
		                    m->rejections[i].reason,
		                    (unsigned long long)m->rejections[i].count);

	evbuffer_add_printf(out, "# HELP policytrack_logins_total Login attempts by result.\n"
	                         "# TYPE policytrack_logins_total counter\n");
	for (size_t i = 0; i < PT_ARRAY_LEN(login_results); i++)
		evbuffer_add_printf(out, "policytrack_logins_total{result=\"%s\"} %llu\n",
		                    login_results[i], (unsigned long long)m->logins[i]);

	evbuffer_add_printf(
	    out,
	    "# HELP policytrack_http_connections_open Client connections open now.\n"
	    "# TYPE policytrack_http_connections_open gauge\n"
	    "policytrack_http_connections_open %ld\n"
	    "# HELP policytrack_http_requests_in_flight Requests routed and not yet answered.\n"
	    "# TYPE policytrack_http_requests_in_flight gauge\n"
	    "policytrack_http_requests_in_flight %ld\n"
	    "# HELP policytrack_uploads_in_progress Files larger than --max-body-bytes being "
	    "received or stored now (at most --max-uploads).\n"
	    "# TYPE policytrack_uploads_in_progress gauge\n"
	    "policytrack_uploads_in_progress %ld\n"
	    "# HELP policytrack_db_pool_connections PostgreSQL pool connections by state.\n"
	    "# TYPE policytrack_db_pool_connections gauge\n"
	    "policytrack_db_pool_connections{state=\"in_use\"} %ld\n"
	    "policytrack_db_pool_connections{state=\"idle\"} %ld\n"
	    "policytrack_db_pool_connections{state=\"connecting\"} %ld\n"
	    "policytrack_db_pool_connections{state=\"down\"} %ld\n"
	    "# HELP policytrack_db_pool_waiting Queries waiting for a free connection.\n"
	    "# TYPE policytrack_db_pool_waiting gauge\n"
	    "policytrack_db_pool_waiting %ld\n"
	    "# HELP policytrack_db_pool_pipelined Reads sent behind another query on a busy "
	    "connection, not yet running.\n"
	    "# TYPE policytrack_db_pool_pipelined gauge\n"
	    "policytrack_db_pool_pipelined %ld\n"
	    "# HELP policytrack_db_reconnects_total Pool connections re-established after a "
	    "loss.\n"
	    "# TYPE policytrack_db_reconnects_total counter\n"
	    "policytrack_db_reconnects_total %llu\n"
	    "# HELP policytrack_db_errors_total Failed connection attempts, lost connections "
	    "and failed queries.\n"
	    "# TYPE policytrack_db_errors_total counter\n"
	    "policytrack_db_errors_total %llu\n",
	    g->connections_open, g->requests_in_flight, g->uploads_in_progress, g->pool_in_use,
	    g->pool_idle, g->pool_connecting, g->pool_down, g->pool_waiting, g->pool_pipelined,
	    (unsigned long long)g->db_reconnects, (unsigned long long)g->db_errors);
	evbuffer_add_printf(
	    out,
	    "# HELP policytrack_change_feed_live 1 while LISTEN for changes is in effect (caches "
	    "answer), 0 while it is not (caches bypassed), -1 when caching is off.\n"
	    "# TYPE policytrack_change_feed_live gauge\n"
	    "policytrack_change_feed_live %d\n"
	    "# HELP policytrack_change_notifications_total Change notifications received.\n"
	    "# TYPE policytrack_change_notifications_total counter\n"
	    "policytrack_change_notifications_total %llu\n"
	    "# HELP policytrack_change_feed_reconnects_total Times the change feed came back "
	    "after a loss.\n"
	    "# TYPE policytrack_change_feed_reconnects_total counter\n"
	    "policytrack_change_feed_reconnects_total %llu\n",
	    g->change_feed_live, (unsigned long long)g->change_notifications,
	    (unsigned long long)g->change_feed_reconnects);
	evbuffer_add_printf(
	    out,
	    "# HELP policytrack_webhook_outbox_pending Webhook deliveries waiting to be sent or "
	    "retried (the outbox's depth, sampled as the sender polls; -1 before the first "
	    "sample).\n"
	    "# TYPE policytrack_webhook_outbox_pending gauge\n"
	    "policytrack_webhook_outbox_pending %ld\n"
	    "# HELP policytrack_webhook_outbox_parked Webhook deliveries parked after their last "
	    "attempt, waiting for an admin's replay (sampled likewise).\n"
	    "# TYPE policytrack_webhook_outbox_parked gauge\n"
	    "policytrack_webhook_outbox_parked %ld\n"
	    "# HELP policytrack_webhook_in_flight Webhook deliveries this daemon is sending now.\n"
	    "# TYPE policytrack_webhook_in_flight gauge\n"
	    "policytrack_webhook_in_flight %ld\n"
	    "# HELP policytrack_webhook_attempts_total Webhook delivery attempts by outcome.\n"
	    "# TYPE policytrack_webhook_attempts_total counter\n"
	    "policytrack_webhook_attempts_total{result=\"delivered\"} %llu\n"
	    "policytrack_webhook_attempts_total{result=\"failed\"} %llu\n"
	    "# HELP policytrack_webhook_parked_total Webhook deliveries this daemon parked.\n"
	    "# TYPE policytrack_webhook_parked_total counter\n"
	    "policytrack_webhook_parked_total %llu\n",
	    g->webhook_pending, g->webhook_parked, g->webhook_in_flight,
	    (unsigned long long)g->webhook_delivered, (unsigned long long)g->webhook_failures,
	    (unsigned long long)g->webhook_parked_total);
	if (g->replicas)
		render_replicas(g, out);
	if (g->sealer)
		evbuffer_add_printf(
		    out,
		    "# HELP policytrack_audit_seals_total Calls of the audit sealer (events_seal) "
		    "that answered.\n"
		    "# TYPE policytrack_audit_seals_total counter\n"
		    "policytrack_audit_seals_total %llu\n"
		    "# HELP policytrack_audit_events_sealed_total Events this daemon's sealer put "
		    "into the global order.\n"
		    "# TYPE policytrack_audit_events_sealed_total counter\n"
		    "policytrack_audit_events_sealed_total %llu\n"
		    "# HELP policytrack_audit_seal_failures_total Sealer calls that failed (the "
		    "next "
		    "tick tries again).\n"
		    "# TYPE policytrack_audit_seal_failures_total counter\n"
		    "policytrack_audit_seal_failures_total %llu\n"
		    "# HELP policytrack_audit_seal_last_duration_seconds How long the last "
		    "answered "
		    "sealer call took, queueing included (-1 before the first).\n"
		    "# TYPE policytrack_audit_seal_last_duration_seconds gauge\n"
		    "policytrack_audit_seal_last_duration_seconds %.6f\n",
		    (unsigned long long)g->seal_runs, (unsigned long long)g->seal_events,
		    (unsigned long long)g->seal_failures, g->seal_last_seconds);
	const struct {
		const char *name;
		const struct answer_cache_stats *s;
	} caches[] = { { "dashboards", &g->dashboard_cache }, { "tokens", &g->token_cache } };
	evbuffer_add_printf(out, "# HELP policytrack_cache_lookups_total Cache lookups by cache "
	                         "and result.\n"
	                         "# TYPE policytrack_cache_lookups_total counter\n");
	for (size_t i = 0; i < PT_ARRAY_LEN(caches); i++)
		evbuffer_add_printf(out,
		                    "policytrack_cache_lookups_total{cache=\"%s\",result=\"hit\"} "
		                    "%llu\n"
		                    "policytrack_cache_lookups_total{cache=\"%s\",result=\"miss\"} "
		                    "%llu\n",
		                    caches[i].name, (unsigned long long)caches[i].s->hits,
		                    caches[i].name, (unsigned long long)caches[i].s->misses);
	evbuffer_add_printf(out, "# HELP policytrack_cache_invalidations_total Times a cache was "
	                         "emptied because its inputs changed.\n"
	                         "# TYPE policytrack_cache_invalidations_total counter\n");
	for (size_t i = 0; i < PT_ARRAY_LEN(caches); i++)
		evbuffer_add_printf(out,
		                    "policytrack_cache_invalidations_total{cache=\"%s\"} %llu\n",
		                    caches[i].name, (unsigned long long)caches[i].s->invalidations);
	evbuffer_add_printf(out, "# HELP policytrack_cache_entries Entries held now.\n"
	                         "# TYPE policytrack_cache_entries gauge\n");
	for (size_t i = 0; i < PT_ARRAY_LEN(caches); i++)
		evbuffer_add_printf(out, "policytrack_cache_entries{cache=\"%s\"} %llu\n",
		                    caches[i].name, (unsigned long long)caches[i].s->entries);
	evbuffer_add_printf(out, "# HELP policytrack_cache_bytes Bytes of answers held now.\n"
	                         "# TYPE policytrack_cache_bytes gauge\n");
	for (size_t i = 0; i < PT_ARRAY_LEN(caches); i++)
		evbuffer_add_printf(out, "policytrack_cache_bytes{cache=\"%s\"} %llu\n",
		                    caches[i].name, (unsigned long long)caches[i].s->bytes);
}

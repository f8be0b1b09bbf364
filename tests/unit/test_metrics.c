#include <event2/buffer.h>
#include <stdlib.h>

#include "http/metrics.h"
#include "tap.h"

static void
h(struct http_ctx *ctx)
{
	(void)ctx;
}

static const struct route table[] = { { METHOD_GET, "/healthz", h, ACCESS_PUBLIC },
	                              { METHOD_GET, "/api/v1/tasks/{id}", h, ROLES_ALL } };

int
main(void)
{
	struct metrics *m = metrics_new(table, 2);
	metrics_observe_request(m, 0, METHOD_GET, 200, 300000);
	metrics_observe_request(m, 0, METHOD_GET, 200, 2000000);
	metrics_observe_request(m, 1, METHOD_GET, 404, 100);
	metrics_observe_request(m, -1, METHOD_POST, 404, 100);
	metrics_count_rejection(m, "request-timeout");
	metrics_count_rejection(m, "request-timeout");
	struct metrics_gauges g = { .connections_open = 3, .pool_idle = 8 };
	struct evbuffer *out = evbuffer_new();
	metrics_render(m, &g, out);
	evbuffer_add(out, "", 1);
	const char *text = (const char *)evbuffer_pullup(out, -1);
	CHECK(strstr(text, "policytrack_http_requests_total{route=\"/healthz\",method=\"GET\","
	                   "status=\"200\"} 2\n") != NULL,
	      "counter per route, method, status");
	CHECK(strstr(text, "route=\"unmatched\",method=\"POST\",status=\"404\"} 1\n") != NULL,
	      "unmatched requests counted");
	CHECK(strstr(text, "policytrack_http_request_duration_seconds_bucket{route=\"/healthz\","
	                   "le=\"0.0005\"} 1\n") != NULL,
	      "0.3 ms falls in the first bucket");
	CHECK(strstr(text, "policytrack_http_request_duration_seconds_bucket{route=\"/healthz\","
	                   "le=\"0.0025\"} 2\n") != NULL,
	      "buckets are cumulative");
	CHECK(strstr(text, "policytrack_http_request_duration_seconds_count{route=\"/healthz\"} "
	                   "2\n") != NULL,
	      "histogram count");
	CHECK(strstr(text, "policytrack_http_rejected_total{reason=\"request-timeout\"} 2\n") !=
	          NULL,
	      "rejections by reason");
	CHECK(strstr(text, "policytrack_http_connections_open 3\n") != NULL, "gauge");
	CHECK(strstr(text, "policytrack_db_pool_connections{state=\"idle\"} 8\n") != NULL,
	      "pool gauge");
	CHECK(strstr(text, "policytrack_replica") == NULL, "no replica series without a replica");
	evbuffer_free(out);

	/* With replicas: each family, one series per replica in --replica-url's order. */
	g.replicas = 2;
	g.replica[0] = (struct metrics_replica){ "db1:5432", 1, 0.25, 0, 7 };
	g.replica[1] = (struct metrics_replica){ "db\"2:5432", 0, -1, -1, 0 };
	g.replica_fallbacks = 3;
	out = evbuffer_new();
	metrics_render(m, &g, out);
	evbuffer_add(out, "", 1);
	text = (const char *)evbuffer_pullup(out, -1);
	CHECK(strstr(text, "# TYPE policytrack_replica_usable gauge\n"
	                   "policytrack_replica_usable{replica=\"1\",address=\"db1:5432\"} 1\n"
	                   "policytrack_replica_usable{replica=\"2\",address=\"db\\\"2:5432\"} 0\n"
	                   "# HELP policytrack_replica_lag_seconds ") != NULL,
	      "usable per replica, the address quoted");
	CHECK(strstr(text,
	             "policytrack_replica_lag_seconds{replica=\"1\",address=\"db1:5432\"} 0.250\n"
	             "policytrack_replica_lag_seconds{replica=\"2\",address=\"db\\\"2:5432\"} "
	             "-1.000\n") != NULL,
	      "lag per replica");
	CHECK(
	    strstr(
	        text,
	        "# TYPE policytrack_replica_behind_bytes gauge\n"
	        "policytrack_replica_behind_bytes{replica=\"1\",address=\"db1:5432\"} 0\n"
	        "policytrack_replica_behind_bytes{replica=\"2\",address=\"db\\\"2:5432\"} -1\n") !=
	        NULL,
	    "bytes behind per replica");
	CHECK(strstr(text,
	             "# TYPE policytrack_replica_reads_total counter\n"
	             "policytrack_replica_reads_total{replica=\"1\",address=\"db1:5432\"} 7\n") !=
	          NULL,
	      "reads per replica");
	CHECK(strstr(text, "policytrack_replica_fallbacks_total 3\n") != NULL, "fallbacks");
	evbuffer_free(out);
	metrics_free(m);
	return tap_done();
}

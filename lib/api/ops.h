/* Operations endpoints: liveness, readiness and metrics. */
#ifndef PT_API_OPS_H
#define PT_API_OPS_H

struct http_ctx;

/* GET /healthz: 200 while the loop serves; touches nothing else. */
void api_ops_healthz(struct http_ctx *ctx);

/*
 * GET /readyz: 200 when a database connection works, the schema is this
 * build's and the database's roles are the ones this build knows.
 */
void api_ops_readyz(struct http_ctx *ctx);

/* GET /metrics: Prometheus text exposition format. */
void api_ops_metrics(struct http_ctx *ctx);

#endif

/*
 * The escalation ladder (催办; docs/workflow.md "Escalation"): the ladder's
 * API, and the daemon's timer that runs escalation_run() every
 * --escalation-interval-s seconds.
 */
#ifndef PT_API_ESCALATION_H
#define PT_API_ESCALATION_H

struct http_ctx;
struct app;
struct escalation_timer;

void api_escalation_ladder_get(struct http_ctx *ctx);
void api_escalation_ladder_put(struct http_ctx *ctx);

/*
 * Runs the escalation every interval_s seconds, the first one interval_s
 * after the start (a daemon restarted often still runs it); NULL (nothing runs) when interval_s is
 * 0. One run at a time per daemon; several daemons are safe (the function's unique key and lock).
 */
struct escalation_timer *escalation_timer_start(struct app *app, long interval_s);
/* Stops it and abandons a run in flight; before the pool is freed. NULL is fine. */
void escalation_timer_free(struct escalation_timer *t);

#endif

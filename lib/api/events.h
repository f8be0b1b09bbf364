/* The audit trail, read: one task's history and the global change feed. */
#ifndef PT_API_EVENTS_H
#define PT_API_EVENTS_H

struct http_ctx;

void api_task_events(struct http_ctx *ctx);
void api_events_feed(struct http_ctx *ctx);
/* GET /api/v1/task-statuses: the workflow's states and transitions. */
void api_task_statuses(struct http_ctx *ctx);

#endif

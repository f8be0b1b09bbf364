/*
 * Work items (分解): a task split into pieces with their own due dates and a
 * responsible agency or provincial office. The rules (scope, the workflow,
 * the roll-up of the task's status and progress) live in the SQL functions of
 * sql/definitions/24_work_items.sql; these handlers check the form of what
 * they are sent and answer.
 */
#ifndef PT_API_WORK_ITEMS_H
#define PT_API_WORK_ITEMS_H

struct http_ctx;

/* GET /api/v1/tasks/{id}/work-items: the task's items and its rolled-up state. */
void api_work_items_of_task(struct http_ctx *ctx);
/* POST /api/v1/tasks/{id}/work-items: coordinators and admins split a task. */
void api_work_items_create(struct http_ctx *ctx);
/* GET /api/v1/work-items: items across tasks, filtered (mine=true: the caller's). */
void api_work_items_list(struct http_ctx *ctx);
/* GET /api/v1/work-items/{id}, with its version as the ETag. */
void api_work_items_get(struct http_ctx *ctx);
/* PATCH /api/v1/work-items/{id}: needs If-Match; the task rolls up in the same transaction. */
void api_work_items_update(struct http_ctx *ctx);
/* DELETE /api/v1/work-items/{id}: needs If-Match; only while no work was reported on it. */
void api_work_items_remove(struct http_ctx *ctx);
/* GET /api/v1/work-items/{id}/events: the item's history. */
void api_work_item_events(struct http_ctx *ctx);

#endif

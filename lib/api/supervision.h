/*
 * The supervision loop (督办闭环) on a task: receipt and send-back (签收/退回),
 * re-assignment by a coordinator, and extension requests (延期申请); a work
 * item's receipt and send-back. The rules (who, when, what each refusal says)
 * are task_supervise()'s and work_item_supervise()'s, in
 * sql/definitions/70_supervision.sql; these handlers check the form of what
 * they are sent and answer with the task or the item.
 */
#ifndef PT_API_SUPERVISION_H
#define PT_API_SUPERVISION_H

struct http_ctx;

/* POST /api/v1/tasks/{id}/receive: the task's unit acknowledges it. */
void api_tasks_receive(struct http_ctx *ctx);
/* POST /api/v1/tasks/{id}/send-back: the task's unit says it is not theirs (reason). */
void api_tasks_send_back(struct http_ctx *ctx);
/* POST /api/v1/tasks/{id}/reassign: a coordinator gives a sent-back task to an agency. */
void api_tasks_reassign(struct http_ctx *ctx);
/* GET /api/v1/tasks/{id}/extensions: the task's extension requests, newest first. */
void api_task_extensions_list(struct http_ctx *ctx);
/* POST /api/v1/tasks/{id}/extensions: the task's unit asks for a later due date. */
void api_task_extensions_request(struct http_ctx *ctx);
/* POST /api/v1/tasks/{id}/extensions/approve: a coordinator grants the open request. */
void api_task_extensions_approve(struct http_ctx *ctx);
/* POST /api/v1/tasks/{id}/extensions/refuse: a coordinator turns it down (reason). */
void api_task_extensions_refuse(struct http_ctx *ctx);
/* POST /api/v1/work-items/{id}/receive: the party carrying the item acknowledges it. */
void api_work_items_receive(struct http_ctx *ctx);
/* POST /api/v1/work-items/{id}/send-back: the party carrying it says it is not theirs. */
void api_work_items_send_back(struct http_ctx *ctx);

#endif

/*
 * Reporting periods and provincial progress reports: filing (idempotent),
 * review (submit, accept, return), revisions of accepted reports, and the
 * reporting-compliance view and reminders. The rules live in SQL functions
 * (sql/definitions/2*.sql: period_create, report_create, report_edit,
 * report_act, report_json, ...); the statements are sql/reports/.
 */
#ifndef PT_API_REPORTS_H
#define PT_API_REPORTS_H

struct http_ctx;

void api_periods_list(struct http_ctx *ctx);
void api_periods_create(struct http_ctx *ctx);
void api_periods_close(struct http_ctx *ctx);
void api_periods_reopen(struct http_ctx *ctx);
void api_reports_list(struct http_ctx *ctx);
void api_reports_create(struct http_ctx *ctx);
void api_reports_get(struct http_ctx *ctx);
void api_reports_edit(struct http_ctx *ctx);
void api_reports_submit(struct http_ctx *ctx);
void api_reports_accept(struct http_ctx *ctx);
void api_reports_return(struct http_ctx *ctx);
void api_reports_revise(struct http_ctx *ctx);
void api_reporting_compliance(struct http_ctx *ctx);
void api_reminders(struct http_ctx *ctx);

#endif

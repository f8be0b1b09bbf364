/*
 * Dashboards for coordinators: summary, by agency, by province, by document,
 * by section, the measure × province matrix and the overdue list, each
 * filterable by document, agency, province and section, each as JSON or as
 * CSV (UTF-8 with a BOM, for Excel) from the same rows.
 */
#ifndef PT_API_DASHBOARDS_H
#define PT_API_DASHBOARDS_H

struct http_ctx;

void api_dashboard_summary(struct http_ctx *ctx);
void api_dashboard_by_agency(struct http_ctx *ctx);
void api_dashboard_by_province(struct http_ctx *ctx);
void api_dashboard_by_document(struct http_ctx *ctx);
void api_dashboard_by_section(struct http_ctx *ctx);
void api_dashboard_matrix(struct http_ctx *ctx);
void api_dashboard_overdue(struct http_ctx *ctx);
/* The work items past their own due date, of the tasks the filters pass. */
void api_dashboard_overdue_work_items(struct http_ctx *ctx);
void api_dashboard_escalations(struct http_ctx *ctx);
/* Counts by status at the end of each month or quarter, rebuilt from the audit trail. */
void api_dashboard_trend(struct http_ctx *ctx);

#endif

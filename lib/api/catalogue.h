/* The catalogue's read API: agencies, provinces, documents, measures, tasks. */
#ifndef PT_API_CATALOGUE_H
#define PT_API_CATALOGUE_H

struct http_ctx;

void api_agencies_list(struct http_ctx *ctx);
void api_agencies_get(struct http_ctx *ctx);
void api_provinces_list(struct http_ctx *ctx);
void api_provinces_get(struct http_ctx *ctx);
void api_documents_list(struct http_ctx *ctx);
void api_documents_get(struct http_ctx *ctx);
/* A document's versions, each with what it changed. */
void api_documents_versions(struct http_ctx *ctx);
/* A document in the import format (docs/import.md). */
void api_documents_export(struct http_ctx *ctx);
/* POST /api/v1/documents: import a document, or check it (?dry_run=true). */
void api_documents_import(struct http_ctx *ctx);
void api_measures_list(struct http_ctx *ctx);
void api_measures_get(struct http_ctx *ctx);
void api_tasks_list(struct http_ctx *ctx);
void api_tasks_get(struct http_ctx *ctx);
/* PATCH /api/v1/tasks/{id}: needs If-Match; the workflow lives in task_update() (SQL). */
void api_tasks_update(struct http_ctx *ctx);
/* POST /api/v1/tasks:batch-update: up to 200 changes, each with its If-Match, all or nothing. */
void api_tasks_batch_update(struct http_ctx *ctx);

#endif

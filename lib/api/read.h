/*
 * Answering read requests from one statement: a page of a list (with its
 * `next` link and a 400 when a filter's value matches nothing) or one object
 * (404 when there is none). The statement builds the JSON itself.
 */
#ifndef PT_API_READ_H
#define PT_API_READ_H

struct http_ctx;
struct api_query;

/*
 * Reads with statements of sql/ (pg/sql_names.h), values as many as the
 * statement's parameters (copied). A page statement yields (items, next key,
 * check) as sql/README.md describes; api_read_page takes ownership of q, which
 * must stay parsed until the answer.
 * An object statement yields one row and column, the object's JSON, or none
 * (or NULL) for a 404 naming kind and key. The JSON is answered compacted.
 */
struct sql_statement;
void api_read_page(struct http_ctx *ctx, struct api_query *q, const struct sql_statement *st,
                   const char *const *values);
void api_read_object(struct http_ctx *ctx, const struct sql_statement *st,
                     const char *const *values, const char *kind, const char *key);

/*
 * The same for a statement that yields (json, check): a check names a problem
 * with q's filters as a page's does (api_reply_filter_problem). Takes q.
 */
void api_read_object_checked(struct http_ctx *ctx, struct api_query *q,
                             const struct sql_statement *st, const char *const *values,
                             const char *kind, const char *key);

#endif

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
 * For statements still written in C (sql/README.md shows the same wrapper
 * written out in a statement's file, which is how new lists are written).
 * Wraps a keyed, filtered row source into one page. `source` selects (k bigint,
 * j json) ordered by k, with k > the cursor's key, limited to limit + 1 rows;
 * `lim` is the limit's parameter ("$7::int"). Yields (items as JSON text, the
 * next page's key or NULL, `extra`): extra names a filter whose value matches
 * nothing, for a 400, or is "404:KIND:KEY" when the list belongs to an object
 * that does not exist (NULL::text when neither can happen).
 */
#define SQL_PAGE(source, lim, extra)                                                               \
	"WITH page AS (" source "), "                                                              \
	"numbered AS (SELECT k, j, row_number() OVER (ORDER BY k) AS n FROM page) "                \
	"SELECT coalesce(json_agg(j ORDER BY k) FILTER (WHERE n <= " lim "), '[]')::text, "        \
	"CASE WHEN count(*) > " lim " THEN (max(k) FILTER (WHERE n <= " lim "))::text END, " extra \
	" FROM numbered"

/*
 * The text-based forms, for handlers not yet moved to sql/ (to go with them).
 * Runs sql (see SQL_PAGE) with values; takes ownership of q, which must stay
 * parsed until the answer. `values` are copied.
 */
void api_read_page(struct http_ctx *ctx, struct api_query *q, const char *sql, int nparams,
                   const char *const *values);

/* Runs sql, whose one row and column is the object's JSON; none: 404 for kind/key. */
void api_read_object(struct http_ctx *ctx, const char *sql, const char *kind, const char *key);

/* The same with several parameters (copied); key only names the object in a 404. */
void api_read_object_params(struct http_ctx *ctx, const char *sql, int nparams,
                            const char *const *values, const char *kind, const char *key);

/*
 * Reads with statements of sql/ (pg/sql_names.h), values as many as the
 * statement's parameters. A page statement yields (items, next key, check) as
 * sql/README.md describes; api_read_page_stmt takes ownership of q as above.
 * An object statement yields one row and column, the object's JSON, or none
 * (or NULL) for a 404 naming kind and key. The JSON is answered compacted.
 */
struct sql_statement;
void api_read_page_stmt(struct http_ctx *ctx, struct api_query *q, const struct sql_statement *st,
                        const char *const *values);
void api_read_object_stmt(struct http_ctx *ctx, const struct sql_statement *st,
                          const char *const *values, const char *kind, const char *key);

#endif

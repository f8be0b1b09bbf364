/*
 * Query-string parameters of the read API: parsed strictly (unknown, repeated,
 * malformed or out-of-range parameters are a 400 problem naming each one),
 * then handed to SQL as text parameters in the order of the spec table.
 * Also builds the cursor-paginated list answer and its `next` link.
 */
#ifndef PT_API_PARAMS_H
#define PT_API_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct http_ctx;

enum api_param_kind {
	PARAM_AGENCY,       /* an agency code: sipo */
	PARAM_PROVINCE,     /* an ISO 3166-2 code: CN-LN */
	PARAM_SECTION,      /* a chapter or part: 3 or 3.1 */
	PARAM_MEASURE,      /* a measure code: 3.1.2 */
	PARAM_ENUM,         /* a value of a table; the statement checks it */
	PARAM_SEARCH,       /* free text, 1-200 characters */
	PARAM_LIMIT,        /* page size 1-200, default 50 */
	PARAM_CURSOR,       /* opaque position from a `next` link */
	PARAM_RAG,          /* red, amber or green */
	PARAM_BOOL,         /* true or false */
	PARAM_AFTER,        /* an id: items after it (a change feed position) */
	PARAM_PERIOD,       /* a period code: 2017, 2017-H1, 2017-Q2, 2017-05 */
	PARAM_REPORT_STATE, /* draft, submitted, accepted, returned */
	PARAM_DAYS,         /* a number of days, 0-366 */
	PARAM_YEAR,         /* a year, 2000-2100 */
	PARAM_SUBJECT_TYPE, /* task, measure or province */
	PARAM_TEXT_CODE,    /* a short code or id: 1-40 of A-Z a-z 0-9 . _ - */
	PARAM_FORMAT,       /* json or csv */
	PARAM_DATE,         /* YYYY-MM-DD */
	PARAM_INTERVAL,     /* month or quarter */
	PARAM_DOCUMENT,     /* a document's code: ne-ip-2017 */
};

struct api_param {
	const char *name;
	enum api_param_kind kind;
};

#define API_MAX_PARAMS 16

struct api_query {
	const struct api_param *specs;
	size_t nspecs;
	char *values[API_MAX_PARAMS]; /* NULL when absent; LIMIT and CURSOR are decoded */
	long limit;
	char limit_text[8];
	char after_text[24]; /* the cursor's key, or "" */
};

/*
 * Parses ctx's query string against specs. On any problem answers 400 (with
 * `errors` per parameter) and returns false; then q needs no clearing.
 */
bool api_query_parse(struct http_ctx *ctx, const struct api_param *specs, size_t nspecs,
                     struct api_query *q);
void api_query_clear(struct api_query *q);

/*
 * The same without a request (for api_query_parse and the fuzzer): parses
 * query (NULL for none) and records each problem in errors (an object,
 * parameter -> message). False when it recorded any; then q needs no clearing.
 */
struct cJSON;
bool api_query_parse_text(const char *query, const struct api_param *specs, size_t nspecs,
                          struct api_query *q, struct cJSON *errors);

/* The value of a parameter by name (NULL when absent). */
const char *api_query_get(const struct api_query *q, const char *name);

/* SQL text parameter for the cursor's key: NULL when there is no cursor. */
const char *api_query_after(const struct api_query *q);

/*
 * Answers {"items": items_json, "limit": n, "next": link-or-null}, items_json
 * compacted. next_key is the last item's key when more items follow, else NULL or "".
 */
void api_reply_page(struct http_ctx *ctx, const struct api_query *q, const char *items_json,
                    const char *next_key);

/*
 * Appends a page's `,"limit":N,"next":link-or-null` (no braces) to b: the
 * members every paged answer ends with. next_key as for api_reply_page.
 */
struct evbuffer;
void api_page_tail_add(struct evbuffer *b, const char *path, const struct api_query *q,
                       const char *next_key);

/* The `next` link of a page: path, q's filters, limit and a cursor for next_key. Caller frees. */
char *api_next_link(const char *path, const struct api_query *q, const char *next_key);

/*
 * Appends n bytes of JSON text produced by the database to b, compacted
 * (core/json_compact.h): PostgreSQL writes `{"a" : 1}`, every answer is `{"a":1}`.
 */
void api_json_text_add(struct evbuffer *b, const char *json, size_t n);

/*
 * The same for a JSON object whose members go on: appends it compacted
 * without its closing brace (the caller adds members and the brace).
 */
void api_json_object_add_open(struct evbuffer *b, const char *json, size_t n);

/* Answers 200 (or status) with JSON text produced by the database, compacted. */
void api_reply_json_text(struct http_ctx *ctx, const char *json);
void api_reply_json_text_status(struct http_ctx *ctx, int status, const char *json);

/*
 * Answers 400 invalid-query with errors (taken) mapping each parameter to its
 * message; detail says what is wrong, NULL for the usual "one or more query
 * parameters are not valid here; see errors".
 */
void api_reply_invalid_query(struct http_ctx *ctx, const char *detail, struct cJSON *errors);

/* Answers 400 for a filter of q whose value names nothing in the catalogue. */
void api_reply_unknown_filter(struct http_ctx *ctx, const struct api_query *q, const char *field);

/*
 * Answers the problem a read statement names in its check column
 * (sql/README.md): "404:KIND:KEY" (the object a list hangs off is missing),
 * "400:FIELD:MESSAGE" (a value its table lacks), "ambiguous:FIELD:DOC,DOC"
 * (a section or measure code that several documents share, without
 * `document=`: 400 ambiguous-filter listing them), or a bare FIELD whose value
 * names nothing in the catalogue.
 */
void api_reply_filter_problem(struct http_ctx *ctx, const struct api_query *q, const char *check);

/* The documents of "DOC,DOC" as a JSON array of strings. */
struct cJSON *api_document_list(const char *codes);

/* Answers 404 for a missing object of this kind ("agency", "measure", ...). */
void api_reply_not_found(struct http_ctx *ctx, const char *kind, const char *key);

#endif

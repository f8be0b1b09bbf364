#include "api/params.h"

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_compact.h"
#include "core/util.h"
#include "http/server.h"

#define DEFAULT_LIMIT 50
#define MAX_LIMIT     200
#define MAX_SEARCH    200 /* characters */

static bool
all_match(const char *s, const char *allowed_first, const char *allowed_rest, size_t min,
          size_t max)
{
	size_t n = strlen(s);
	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr(i == 0 ? allowed_first : allowed_rest, s[i]) || s[i] == '\0')
			return false;
	return true;
}

#define LOWER  "abcdefghijklmnopqrstuvwxyz"
#define UPPER  "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGITS "0123456789"

/* "3", "3.1" or "3.1.2" with up to `parts` dot-separated positive numbers. */
static bool
dotted_code(const char *s, int min_parts, int max_parts)
{
	int parts = 0;
	const char *p = s;
	while (*p) {
		if (*p < '1' || *p > '9')
			return false;
		size_t digits = 0;
		while (*p >= '0' && *p <= '9') {
			p++;
			if (++digits > 3)
				return false;
		}
		parts++;
		if (*p == '.')
			p++;
		else if (*p)
			return false;
		else
			break;
		if (!*p)
			return false;
	}
	return parts >= min_parts && parts <= max_parts;
}

static bool
has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static char *
encode_cursor(const char *key)
{
	size_t len =
	    sodium_base64_encoded_len(strlen(key), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = xmalloc(len);
	sodium_bin2base64(out, len, (const unsigned char *)key, strlen(key),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

/* Decodes a cursor into its key (1-18 digits); false when it is not one of ours. */
static bool
decode_cursor(const char *cursor, char *key, size_t keylen)
{
	unsigned char raw[32];
	size_t n = 0;
	if (strlen(cursor) > 40 ||
	    sodium_base642bin(raw, sizeof(raw) - 1, cursor, strlen(cursor), NULL, &n, NULL,
	                      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return false;
	if (n == 0 || n > 18 || n >= keylen)
		return false;
	for (size_t i = 0; i < n; i++)
		if (raw[i] < '0' || raw[i] > '9')
			return false;
	memcpy(key, raw, n);
	key[n] = '\0';
	return true;
}

/* Checks one value; returns NULL when fine, else the message for `errors`. */
static const char *
check_value(struct api_query *q, size_t idx, const char *v)
{
	switch (q->specs[idx].kind) {
	case PARAM_AGENCY:
		return all_match(v, LOWER, LOWER, 2, 8) ? NULL
		                                        : "must be an agency code such as sipo";
	case PARAM_PROVINCE:
		return strlen(v) == 5 && strncmp(v, "CN-", 3) == 0 &&
		               all_match(v + 3, UPPER, UPPER, 2, 2)
		           ? NULL
		           : "must be a province code such as CN-LN";
	case PARAM_SECTION:
		return dotted_code(v, 1, 2) ? NULL : "must be a chapter or part such as 3 or 3.1";
	case PARAM_MEASURE:
		return dotted_code(v, 3, 3) ? NULL : "must be a measure code such as 3.1.2";
	case PARAM_ENUM:
		return NULL; /* a bound parameter: the statement answers a value not in its table */
	case PARAM_SEARCH: {
		size_t chars = pt_utf8_chars(v);
		if (chars == 0 || chars > MAX_SEARCH || has_control(v))
			return "must be 1 to 200 characters of text";
		return NULL;
	}
	case PARAM_LIMIT: {
		int64_t n;
		if (!pt_parse_int64(v, 1, MAX_LIMIT, &n) || v[0] == '-')
			return "must be a whole number from 1 to 200";
		q->limit = (long)n;
		return NULL;
	}
	case PARAM_RAG:
		return strcmp(v, "red") == 0 || strcmp(v, "amber") == 0 || strcmp(v, "green") == 0
		           ? NULL
		           : "must be red, amber or green";
	case PARAM_BOOL:
		return strcmp(v, "true") == 0 || strcmp(v, "false") == 0 ? NULL
		                                                         : "must be true or false";
	case PARAM_AFTER: {
		int64_t n;
		if (!pt_parse_int64(v, 0, INT64_MAX / 2, &n) || v[0] == '-')
			return "must be an event id (a whole number, 0 or more)";
		if (!q->after_text[0])
			snprintf(q->after_text, sizeof(q->after_text), "%lld", (long long)n);
		return NULL;
	}
	case PARAM_PERIOD: {
		size_t n = strlen(v);
		bool ok = (n == 4 || n == 7) && v[0] >= '1' && v[0] <= '9';
		for (size_t i = 0; ok && i < 4; i++)
			ok = v[i] >= '0' && v[i] <= '9';
		if (ok && n == 7)
			ok = v[4] == '-' && ((v[5] == 'H' && (v[6] == '1' || v[6] == '2')) ||
			                     (v[5] == 'Q' && v[6] >= '1' && v[6] <= '4') ||
			                     (v[5] == '0' && v[6] >= '1' && v[6] <= '9') ||
			                     (v[5] == '1' && v[6] >= '0' && v[6] <= '2'));
		return ok ? NULL
		          : "must be a period code such as 2017, 2017-H1, 2017-Q2 or 2017-05";
	}
	case PARAM_REPORT_STATE:
		return strcmp(v, "draft") == 0 || strcmp(v, "submitted") == 0 ||
		               strcmp(v, "accepted") == 0 || strcmp(v, "returned") == 0
		           ? NULL
		           : "must be draft, submitted, accepted or returned";
	case PARAM_DAYS: {
		int64_t n;
		return pt_parse_int64(v, 0, 366, &n) && v[0] != '-'
		           ? NULL
		           : "must be a whole number from 0 to 366";
	}
	case PARAM_DATE:
		return pt_date_valid(v) ? NULL : "must be a date YYYY-MM-DD";
	case PARAM_INTERVAL:
		return strcmp(v, "month") == 0 || strcmp(v, "quarter") == 0
		           ? NULL
		           : "must be month or quarter";
	case PARAM_DOCUMENT:
		return all_match(v, LOWER DIGITS, LOWER DIGITS "-", 1, 64)
		           ? NULL
		           : "must be a document code such as ne-ip-2017";
	case PARAM_FORMAT:
		return strcmp(v, "json") == 0 || strcmp(v, "csv") == 0 ? NULL
		                                                       : "must be json or csv";
	case PARAM_YEAR: {
		int64_t n;
		return pt_parse_int64(v, 2000, 2100, &n) ? NULL
		                                         : "must be a year from 2000 to 2100";
	}
	case PARAM_SUBJECT_TYPE:
		return strcmp(v, "task") == 0 || strcmp(v, "measure") == 0 ||
		               strcmp(v, "province") == 0
		           ? NULL
		           : "must be task, measure or province";
	case PARAM_TEXT_CODE: {
		size_t n = strlen(v);
		bool ok = n >= 1 && n <= 40;
		for (size_t i = 0; ok && i < n; i++)
			ok = (v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
			     (v[i] >= '0' && v[i] <= '9') || strchr("._-", v[i]);
		return ok ? NULL : "must be 1-40 of A-Z a-z 0-9 . _ -";
	}
	case PARAM_CURSOR:
		return decode_cursor(v, q->after_text, sizeof(q->after_text))
		           ? NULL
		           : "is not a cursor this server issued; follow the `next` link";
	default:
		abort();
	}
}

bool
api_query_parse_text(const char *query, const struct api_param *specs, size_t nspecs,
                     struct api_query *q, cJSON *errors)
{
	if (nspecs > API_MAX_PARAMS)
		abort();
	memset(q, 0, sizeof(*q));
	q->specs = specs;
	q->nspecs = nspecs;
	q->limit = DEFAULT_LIMIT;
	const char *p = query ? query : "";
	while (*p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t name_len = eq ? (size_t)(eq - p) : len;
		char *name = pt_percent_decode(p, name_len, true);
		char *value =
		    eq ? pt_percent_decode(eq + 1, len - name_len - 1, true) : xstrdup("");
		p += len + (amp ? 1 : 0);
		if (!name || !value || !pt_utf8_valid(name, strlen(name)) ||
		    !pt_utf8_valid(value, strlen(value))) {
			if (!cJSON_GetObjectItem(errors, "query"))
				cJSON_AddStringToObject(errors, "query",
				                        "malformed percent-encoding or UTF-8");
			free(name);
			free(value);
			continue;
		}
		if (len == 0) {
			free(name);
			free(value);
			continue; /* "a=1&&b=2": an empty pair says nothing */
		}
		size_t idx = nspecs;
		for (size_t i = 0; i < nspecs; i++)
			if (strcmp(specs[i].name, name) == 0)
				idx = i;
		const char *msg = NULL;
		if (idx == nspecs)
			msg = "is not a parameter of this resource";
		else if (q->values[idx])
			msg = "is given more than once";
		else if (value[0] == '\0')
			msg = "is empty";
		else
			msg = check_value(q, idx, value);
		if (msg) {
			if (!cJSON_GetObjectItem(errors, name))
				cJSON_AddStringToObject(errors, name, msg);
			free(name);
			free(value);
			continue;
		}
		q->values[idx] = value;
		free(name);
	}
	snprintf(q->limit_text, sizeof(q->limit_text), "%ld", q->limit);
	if (cJSON_GetArraySize(errors) > 0) {
		api_query_clear(q);
		return false;
	}
	return true;
}

bool
api_query_parse(struct http_ctx *ctx, const struct api_param *specs, size_t nspecs,
                struct api_query *q)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ctx->req);
	cJSON *errors = cJSON_CreateObject();
	if (!api_query_parse_text(uri ? evhttp_uri_get_query(uri) : NULL, specs, nspecs, q,
	                          errors)) {
		api_reply_invalid_query(ctx, NULL, errors);
		return false;
	}
	cJSON_Delete(errors);
	return true;
}

void
api_query_clear(struct api_query *q)
{
	for (size_t i = 0; i < API_MAX_PARAMS; i++) {
		free(q->values[i]);
		q->values[i] = NULL;
	}
}

const char *
api_query_get(const struct api_query *q, const char *name)
{
	for (size_t i = 0; i < q->nspecs; i++)
		if (strcmp(q->specs[i].name, name) == 0)
			return q->values[i];
	return NULL;
}

const char *
api_query_after(const struct api_query *q)
{
	return q->after_text[0] ? q->after_text : NULL;
}

char *
api_next_link(const char *path, const struct api_query *q, const char *next_key)
{
	struct evbuffer *b = evbuffer_new();
	evbuffer_add_printf(b, "%s?", path);
	for (size_t i = 0; i < q->nspecs; i++) {
		if (!q->values[i] || q->specs[i].kind == PARAM_CURSOR ||
		    q->specs[i].kind == PARAM_LIMIT || q->specs[i].kind == PARAM_AFTER)
			continue;
		char *enc = evhttp_encode_uri(q->values[i]);
		evbuffer_add_printf(b, "%s=%s&", q->specs[i].name, enc);
		free(enc);
	}
	char *cursor = encode_cursor(next_key);
	evbuffer_add_printf(b, "limit=%ld&cursor=%s", q->limit, cursor);
	free(cursor);
	size_t n = evbuffer_get_length(b);
	char *out = xmalloc(n + 1);
	evbuffer_remove(b, out, n);
	out[n] = '\0';
	evbuffer_free(b);
	return out;
}

void
api_reply_page(struct http_ctx *ctx, const struct api_query *q, const char *items_json,
               const char *next_key)
{
	struct evbuffer *b = evbuffer_new();
	evbuffer_add(b, "{\"items\":", 9);
	api_json_text_add(b, items_json, strlen(items_json));
	api_page_tail_add(b, ctx->path, q, next_key);
	evbuffer_add(b, "}", 1);
	http_reply_buffer(ctx, 200, "application/json", b);
	evbuffer_free(b);
}

void
api_page_tail_add(struct evbuffer *b, const char *path, const struct api_query *q,
                  const char *next_key)
{
	evbuffer_add_printf(b, ",\"limit\":%ld,\"next\":", q->limit);
	if (next_key && *next_key) {
		char *link = api_next_link(path, q, next_key);
		cJSON *s = cJSON_CreateString(link);
		char *text = cJSON_PrintUnformatted(s);
		evbuffer_add(b, text, strlen(text));
		free(text);
		cJSON_Delete(s);
		free(link);
	} else {
		evbuffer_add(b, "null", 4);
	}
}

void
api_json_object_add_open(struct evbuffer *b, const char *json, size_t n)
{
	struct evbuffer_iovec v;
	if (n == 0 || evbuffer_reserve_space(b, (ev_ssize_t)n, &v, 1) < 1)
		abort(); /* an object is never empty; out of memory, as xmalloc */
	v.iov_len = json_compact(v.iov_base, json, n);
	if (v.iov_len == 0 || ((char *)v.iov_base)[v.iov_len - 1] != '}')
		abort(); /* the statement's contract: one JSON object */
	v.iov_len--;
	if (evbuffer_commit_space(b, &v, 1) != 0)
		abort();
}

void
api_json_text_add(struct evbuffer *b, const char *json, size_t n)
{
	if (n == 0)
		return;
	struct evbuffer_iovec v;
	if (evbuffer_reserve_space(b, (ev_ssize_t)n, &v, 1) < 1)
		abort(); /* out of memory, as xmalloc */
	v.iov_len = json_compact(v.iov_base, json, n);
	if (evbuffer_commit_space(b, &v, 1) != 0)
		abort();
}

void
api_reply_json_text_status(struct http_ctx *ctx, int status, const char *json)
{
	struct evbuffer *b = evbuffer_new();
	api_json_text_add(b, json, strlen(json));
	http_reply_buffer(ctx, status, "application/json", b);
	evbuffer_free(b);
}

void
api_reply_json_text(struct http_ctx *ctx, const char *json)
{
	api_reply_json_text_status(ctx, 200, json);
}

void
api_reply_invalid_query(struct http_ctx *ctx, const char *detail, cJSON *errors)
{
	http_reply_problem(ctx, 400, "invalid-query", "Invalid query parameters",
	                   detail ? detail
	                          : "one or more query parameters are not valid here; see errors",
	                   errors);
}

void
api_reply_unknown_filter(struct http_ctx *ctx, const struct api_query *q, const char *field)
{
	cJSON *errors = cJSON_CreateObject();
	char msg[160];
	snprintf(msg, sizeof(msg), "'%.64s' matches no %s in the catalogue",
	         api_query_get(q, field) ? api_query_get(q, field) : "", field);
	cJSON_AddStringToObject(errors, field, msg);
	api_reply_invalid_query(ctx, "a filter names something that does not exist; see errors",
	                        errors);
}

cJSON *
api_document_list(const char *codes)
{
	cJSON *list = cJSON_CreateArray();
	while (*codes) {
		size_t n = strcspn(codes, ",");
		char *code = xstrndup(codes, n);
		cJSON_AddItemToArray(list, cJSON_CreateString(code));
		free(code);
		codes += n + (codes[n] == ',');
	}
	return list;
}

/* "FIELD:REST" -> field (at most fieldlen - 1 bytes) and a pointer to REST ("" without one). */
static const char *
split_field(const char *text, char *field, size_t fieldlen)
{
	const char *colon = strchr(text, ':');
	size_t n = colon ? (size_t)(colon - text) : strlen(text);
	snprintf(field, fieldlen, "%.*s", (int)n, text);
	return colon ? colon + 1 : "";
}

void
api_reply_filter_problem(struct http_ctx *ctx, const struct api_query *q, const char *check)
{
	char field[32];
	if (strncmp(check, "404:", 4) == 0) {
		const char *key = split_field(check + 4, field, sizeof(field));
		api_reply_not_found(ctx, field, key);
	} else if (strncmp(check, "400:", 4) == 0) {
		const char *msg = split_field(check + 4, field, sizeof(field));
		cJSON *errors = cJSON_CreateObject();
		cJSON_AddStringToObject(errors, field, *msg ? msg : "is not valid here");
		api_reply_invalid_query(ctx, NULL, errors);
	} else if (strncmp(check, "ambiguous:", 10) == 0) {
		const char *docs = split_field(check + 10, field, sizeof(field));
		const char *value = q ? api_query_get(q, field) : NULL;
		char msg[640], detail[160];
		snprintf(
		    msg, sizeof(msg),
		    "'%.64s' is a %s of more than one document (%.400s): say which with document=",
		    value ? value : "", field, docs);
		snprintf(detail, sizeof(detail),
		         "%s codes recur across documents; add document= to say which", field);
		cJSON *errors = cJSON_CreateObject();
		cJSON_AddStringToObject(errors, field, msg);
		cJSON *extra = cJSON_CreateObject();
		cJSON_AddItemToObject(extra, "documents", api_document_list(docs));
		http_reply_problem_extra(ctx, 400, "ambiguous-filter", "Ambiguous filter", detail,
		                         errors, extra);
	} else {
		api_reply_unknown_filter(ctx, q, check);
	}
}

void
api_reply_not_found(struct http_ctx *ctx, const char *kind, const char *key)
{
	char detail[256];
	snprintf(detail, sizeof(detail), "there is no %s '%.64s'", kind, key);
	http_reply_problem(ctx, 404, "not-found", NULL, detail, NULL);
}

#include "http/json_body.h"

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "http/server.h"

#define MAX_DEPTH 16

/* Members an object may have: far more than any body here needs, few enough to check fast. */
#define MAX_MEMBERS 1000

static int
compare_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Duplicate keys, found by sorting: a quadratic scan would let one body stall the loop. */
static bool
has_duplicate_key(const cJSON *object)
{
	int n = cJSON_GetArraySize(object);
	if (n < 2)
		return false;
	const char **keys = xcalloc((size_t)n, sizeof(*keys));
	int i = 0;
	for (const cJSON *m = object->child; m; m = m->next)
		keys[i++] = m->string;
	qsort(keys, (size_t)n, sizeof(*keys), compare_keys);
	bool dup = false;
	for (i = 1; i < n && !dup; i++)
		dup = strcmp(keys[i - 1], keys[i]) == 0;
	free(keys);
	return dup;
}

static const char *
check_tree(const cJSON *node, int depth)
{
	if (depth > MAX_DEPTH)
		return "nesting is deeper than 16 levels";
	if (cJSON_IsNumber(node) && !isfinite(node->valuedouble))
		return "a number is out of range";
	if (cJSON_IsObject(node) || cJSON_IsArray(node)) {
		if (cJSON_GetArraySize(node) > MAX_MEMBERS)
			return "an object or list has more than 1000 members";
		if (cJSON_IsObject(node) && has_duplicate_key(node))
			return "an object has the same key twice";
	}
	for (const cJSON *c = node->child; c; c = c->next) {
		const char *why = check_tree(c, depth + 1);
		if (why)
			return why;
	}
	return NULL;
}

const char *
json_body_check(const char *text, size_t len, cJSON **out)
{
	*out = NULL;
	if (len == 0)
		return "the body is empty; send a JSON object";
	if (!pt_utf8_valid(text, len))
		return "the body is not valid UTF-8 (or contains NUL)";
	/*
	 * cJSON would cut a string at an escaped NUL; refuse it instead. A
	 * backslash escapes the byte after it: "\\u0000" is the text \u0000, no NUL.
	 */
	for (size_t i = 0; i + 1 < len; i++) {
		if (text[i] != '\\')
			continue;
		if (text[i + 1] == 'u' && i + 6 <= len && strncmp(text + i + 2, "0000", 4) == 0)
			return "a string contains NUL (\\u0000)";
		i++; /* the escaped byte */
	}
	const char *end = NULL;
	cJSON *doc = cJSON_ParseWithLengthOpts(text, len, &end, false);
	if (!doc) {
		/* Say where: a person fixing a long file by hand needs the line. */
		static _Thread_local char why[96];
		int line = 1, column = 1;
		for (const char *p = text; end && p < end && p < text + len; p++) {
			if (*p == '\n') {
				line++;
				column = 1;
			} else if (((unsigned char)*p & 0xC0) != 0x80) {
				column++;
			}
		}
		snprintf(why, sizeof why, "the body is not valid JSON (line %d, column %d)", line,
		         column);
		return why;
	}
	/* Only whitespace may follow the value. */
	for (const char *p = end; p < text + len; p++) {
		if (!strchr(" \t\r\n", *p)) {
			cJSON_Delete(doc);
			return "the body has data after the JSON value";
		}
	}
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		return "the body must be a JSON object";
	}
	const char *why = check_tree(doc, 1);
	if (why) {
		cJSON_Delete(doc);
		return why;
	}
	*out = doc;
	return NULL;
}

static bool
content_type_is_json(const char *ct)
{
	if (!ct)
		return false;
	size_t n = strcspn(ct, ";");
	while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	if (n != strlen("application/json") || strncasecmp(ct, "application/json", n) != 0)
		return false;
	const char *params = ct + strcspn(ct, ";");
	/* A charset other than UTF-8 would change what the bytes mean: refuse it. */
	const char *cs = strstr(params, "charset=");
	return !cs || strncasecmp(cs + 8, "utf-8", 5) == 0 ||
	       strncasecmp(cs + 8, "\"utf-8\"", 7) == 0;
}

cJSON *
json_body_parse(struct http_ctx *ctx)
{
	const char *ct =
	    evhttp_find_header(evhttp_request_get_input_headers(ctx->req), "Content-Type");
	if (!content_type_is_json(ct)) {
		http_reply_problem(ctx, 415, "unsupported-media-type", NULL,
		                   "send the body as Content-Type: application/json (UTF-8)", NULL);
		return NULL;
	}
	struct evbuffer *in = evhttp_request_get_input_buffer(ctx->req);
	size_t len = evbuffer_get_length(in);
	const char *text = len ? (const char *)evbuffer_pullup(in, -1) : "";
	cJSON *doc;
	const char *why = json_body_check(text, len, &doc);
	if (why) {
		http_reply_problem(ctx, 400, "malformed-body", NULL, why, NULL);
		return NULL;
	}
	return doc;
}

void
json_fields_init(struct json_fields *f, cJSON *obj)
{
	f->obj = obj;
	f->errors = cJSON_CreateObject();
}

void
json_fields_error(struct json_fields *f, const char *name, const char *message)
{
	if (!cJSON_GetObjectItemCaseSensitive(f->errors, name))
		cJSON_AddStringToObject(f->errors, name, message);
}

static cJSON *
member(struct json_fields *f, const char *name, bool required)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(f->obj, name);
	if (!v && required)
		json_fields_error(f, name, "is required");
	return v;
}

static bool
string_ok(struct json_fields *f, const char *name, const cJSON *v, size_t max_chars)
{
	if (!cJSON_IsString(v)) {
		json_fields_error(f, name, "must be a string");
		return false;
	}
	size_t chars = pt_utf8_chars(v->valuestring);
	if (chars == 0 || chars > max_chars) {
		char msg[64];
		snprintf(msg, sizeof(msg), "must be 1 to %zu characters", max_chars);
		json_fields_error(f, name, msg);
		return false;
	}
	return true;
}

bool
json_field_string(struct json_fields *f, const char *name, bool required, size_t max_chars,
                  const char **out)
{
	cJSON *v = member(f, name, required);
	if (!v || !string_ok(f, name, v, max_chars))
		return false;
	*out = v->valuestring;
	return true;
}

bool
json_field_nullable_string(struct json_fields *f, const char *name, size_t max_chars,
                           const char **out, bool *is_null)
{
	cJSON *v = member(f, name, false);
	if (!v)
		return false;
	if (cJSON_IsNull(v)) {
		*is_null = true;
		*out = NULL;
		return true;
	}
	*is_null = false;
	if (!string_ok(f, name, v, max_chars))
		return false;
	*out = v->valuestring;
	return true;
}

bool
json_field_bool(struct json_fields *f, const char *name, bool required, bool *out)
{
	cJSON *v = member(f, name, required);
	if (!v)
		return false;
	if (!cJSON_IsBool(v)) {
		json_fields_error(f, name, "must be true or false");
		return false;
	}
	*out = cJSON_IsTrue(v);
	return true;
}

bool
json_field_int(struct json_fields *f, const char *name, bool required, long min, long max,
               long *out)
{
	cJSON *v = member(f, name, required);
	if (!v)
		return false;
	double d = v->valuedouble;
	if (!cJSON_IsNumber(v) || d != floor(d) || d < (double)min || d > (double)max) {
		char msg[96];
		snprintf(msg, sizeof(msg), "must be a whole number from %ld to %ld", min, max);
		json_fields_error(f, name, msg);
		return false;
	}
	*out = (long)d;
	return true;
}

void
json_fields_reject_unknown(struct json_fields *f, const char *const *allowed)
{
	for (const cJSON *m = f->obj->child; m; m = m->next) {
		bool known = false;
		for (const char *const *a = allowed; *a && !known; a++)
			known = strcmp(*a, m->string) == 0;
		if (!known)
			json_fields_error(f, m->string, "is not a field of this resource");
	}
}

bool
json_fields_failed(struct http_ctx *ctx, struct json_fields *f)
{
	if (cJSON_GetArraySize(f->errors) == 0) {
		cJSON_Delete(f->errors);
		f->errors = NULL;
		return false;
	}
	cJSON *errors = f->errors;
	f->errors = NULL;
	http_reply_problem(ctx, 400, "validation", "Invalid request body",
	                   "one or more fields are not valid; see errors", errors);
	return true;
}

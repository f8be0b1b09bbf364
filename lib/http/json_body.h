/*
 * Request bodies: one JSON object, parsed strictly (valid UTF-8, no NUL, no
 * duplicate keys, finite numbers, nesting at most 16 deep), then read field by
 * field with every problem collected into `errors`, so a client learns of all
 * its mistakes in one 400 and nothing is half-applied.
 */
#ifndef PT_JSON_BODY_H
#define PT_JSON_BODY_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;
struct http_ctx;

/* The body as a JSON object, or NULL after answering 400/415. Caller deletes it. */
struct cJSON *json_body_parse(struct http_ctx *ctx);

/* Checks a parsed document (for unit tests and json_body_parse). NULL if fine, else why. */
const char *json_body_check(const char *text, size_t len, struct cJSON **out);

struct json_fields {
	struct cJSON *obj;
	struct cJSON *errors; /* field -> message */
};

void json_fields_init(struct json_fields *f, struct cJSON *obj);

/*
 * Each getter returns whether the field is present and valid; an invalid one
 * is recorded in errors. A required field that is absent is recorded too.
 */
bool json_field_string(struct json_fields *f, const char *name, bool required, size_t max_chars,
                       const char **out);
bool json_field_bool(struct json_fields *f, const char *name, bool required, bool *out);
bool json_field_int(struct json_fields *f, const char *name, bool required, long min, long max,
                    long *out);
/* A string or null (null clears): *is_null tells which. */
bool json_field_nullable_string(struct json_fields *f, const char *name, size_t max_chars,
                                const char **out, bool *is_null);

/* Records every member not named in allowed (a NULL-terminated list). */
void json_fields_reject_unknown(struct json_fields *f, const char *const *allowed);

/* Records a message for a field by hand. */
void json_fields_error(struct json_fields *f, const char *name, const char *message);

/*
 * When errors were recorded, answers 400 with them and returns true; else
 * frees the errors object and returns false. Either way f->obj stays the caller's.
 */
bool json_fields_failed(struct http_ctx *ctx, struct json_fields *f);

#endif

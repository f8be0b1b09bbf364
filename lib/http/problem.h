/*
 * RFC 9457 problem details. Every error the service answers is built here, so
 * the shape (type, title, status, detail, instance, request_id, errors) is the
 * same whichever layer refuses the request.
 */
#ifndef PT_PROBLEM_H
#define PT_PROBLEM_H

#include <stddef.h>

struct cJSON;

#define PROBLEM_CONTENT_TYPE "application/problem+json"
#define PROBLEM_TYPE_PREFIX  "urn:policytrack:problem:"

struct problem {
	int status;
	const char *slug;  /* becomes type = PROBLEM_TYPE_PREFIX slug */
	const char *title; /* NULL: the status's reason phrase */
	const char *detail;
	const char *instance;   /* request path, may be NULL */
	const char *request_id; /* may be NULL */
	struct cJSON *errors;   /* field -> message; borrowed, may be NULL */
	const char *reason;     /* a machine-readable reason code (extension member), or NULL */
	struct cJSON *extra; /* more extension members, copied as they are; borrowed, may be NULL */
};

/* The standard reason phrase of an HTTP status ("Not Found"), or "Error". */
const char *http_reason_phrase(int status);

/* The JSON text of p; caller frees with free(). */
char *problem_to_json(const struct problem *p);

/*
 * A complete HTTP/1.1 response carrying p, with Connection: close, for layers
 * that answer below evhttp (framing checks). Caller frees; *len gets its length.
 */
char *problem_raw_response(const struct problem *p, size_t *len);

#endif

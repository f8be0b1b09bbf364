/*
 * Request routing: method + path pattern ("/api/v1/tasks/{id}") to handler.
 * The table itself lives in routes.c, in one place; this module only matches.
 */
#ifndef PT_ROUTER_H
#define PT_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/roles.h"

struct http_ctx;

enum http_method {
	METHOD_GET = 1 << 0,
	METHOD_HEAD = 1 << 1,
	METHOD_POST = 1 << 2,
	METHOD_PUT = 1 << 3,
	METHOD_PATCH = 1 << 4,
	METHOD_DELETE = 1 << 5,
	METHOD_OPTIONS = 1 << 6,
};

/* A route anyone may call, without a token. */
#define ACCESS_PUBLIC (1u << 8)

/*
 * Not a role but what a route's requests may carry: a file, a body up to
 * --max-upload-bytes rather than --max-body-bytes. The framing guard
 * (http/conn.c) finds such routes by the request line, before the body.
 */
#define ACCESS_UPLOAD (1u << 9)

/*
 * Not a role either: the route is also served on the operations port
 * (--ops-listen), which has slots of its own, so that health, readiness and
 * metrics answer while the client port's slots are all taken.
 */
#define ACCESS_OPS (1u << 10)

/*
 * Not a role: the route stays open to a session whose password expired (the
 * password change itself, GET /api/v1/me, signing out); every other route
 * answers such a session 403 password-expired.
 */
#define ACCESS_EXPIRED_OK (1u << 11)

/*
 * Not a role: the route's reads may be served by a read replica
 * (--replica-url) once it has replayed every commit acknowledged before the
 * request arrived (pg/replica.h). Only for GET routes whose answer nothing
 * caches (a cached answer outlives the check).
 */
#define ACCESS_REPLICA (1u << 12)

/* A handler must eventually answer its request exactly once (http_reply_*). */
typedef void (*route_handler)(struct http_ctx *ctx);

struct route {
	enum http_method method;
	const char *pattern;
	route_handler handler;
	unsigned access; /* ACCESS_PUBLIC, or the roles that may call it; ACCESS_UPLOAD, ACCESS_OPS,
	                 ACCESS_EXPIRED_OK */
};

#define ROUTE_MAX_PARAMS 4

struct route_param {
	const char *name; /* points into the pattern */
	size_t name_len;
	char *value; /* percent-decoded, owned by the match */
};

struct route_match {
	const struct route *route;
	int nparams;
	struct route_param params[ROUTE_MAX_PARAMS];
};

enum route_result {
	ROUTE_FOUND,
	ROUTE_NOT_FOUND,
	ROUTE_METHOD_NOT_ALLOWED, /* *allowed says which methods the path has */
	ROUTE_BAD_PATH,           /* bad percent-encoding or an encoded NUL */
};

/* HEAD matches GET routes. On ROUTE_FOUND, clear m with route_match_clear(). */
enum route_result router_match(const struct route *routes, size_t nroutes, enum http_method method,
                               const char *path, struct route_match *m, unsigned *allowed);
void route_match_clear(struct route_match *m);

/* The decoded value of {name}, or NULL. */
const char *route_match_param(const struct route_match *m, const char *name);

/* METHOD_GET for "GET"; 0 for a name that is not a served method. */
enum http_method http_method_from_name(const char *name);

/* "GET" for METHOD_GET; NULL for anything else. */
const char *http_method_name(enum http_method method);

/* Writes "GET, HEAD, POST" for a method set into out. */
void http_methods_format(unsigned methods, char *out, size_t outlen);

#endif

/*
 * Authentication of API requests: bearer tokens (256 random bits, shown once,
 * stored only as their SHA-256), looked up with the user they belong to on
 * every request, then the route's access set (routes.c) decides by role.
 * Which objects a caller may touch is decided in each query's SQL, with the
 * caller's scope as parameters.
 */
#ifndef PT_AUTH_H
#define PT_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "core/roles.h"

struct http_ctx;

#define TOKEN_PREFIX       "pt_"
#define TOKEN_RANDOM_BYTES 32
/* "pt_" + unpadded base64url of 32 bytes + NUL */
#define TOKEN_TEXT_MAX 48

/* The console's session cookie: the token, HttpOnly, SameSite=Strict. */
#define SESSION_COOKIE "pt_session"

/* A fresh token in text form, and the hash to store. */
void auth_token_new(char token[TOKEN_TEXT_MAX], char hash[TOKEN_HASH_HEX]);

/* The hash of a presented token; false when it is not of our format. */
bool auth_token_hash(const char *token, char hash[TOKEN_HASH_HEX]);

/*
 * Authenticates ctx for its route, then calls ctx's route handler; or answers
 * 401 (no, malformed, unknown, expired or revoked token; disabled user) or 403
 * (the role may not call this route) itself.
 */
void auth_then_handle(struct http_ctx *ctx);

/*
 * The methods and patterns a role may call on the server answering ctx, as a
 * JSON array of "METHOD /path" strings.
 */
struct cJSON *auth_permissions(const struct http_ctx *ctx, enum role role);

#endif

/* Sign-in, sign-out and "who am I": POST/DELETE /api/v1/sessions, GET /api/v1/me. */
#ifndef PT_API_SESSIONS_H
#define PT_API_SESSIONS_H

struct http_ctx;

void api_sessions_create(struct http_ctx *ctx);
void api_sessions_delete_current(struct http_ctx *ctx);
void api_me(struct http_ctx *ctx);

#endif

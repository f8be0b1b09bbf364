/* User administration (admin only): /api/v1/users and automation tokens. */
#ifndef PT_API_USERS_H
#define PT_API_USERS_H

struct http_ctx;

void api_users_list(struct http_ctx *ctx);
void api_users_create(struct http_ctx *ctx);
void api_users_get(struct http_ctx *ctx);
void api_users_update(struct http_ctx *ctx);
void api_users_issue_token(struct http_ctx *ctx);

/* PUT /api/v1/me/password: any signed-in user changes their own password. */
void api_me_password(struct http_ctx *ctx);

#endif

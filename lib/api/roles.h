/* The roles, from their table: GET /api/v1/roles. */
#ifndef PT_API_ROLES_H
#define PT_API_ROLES_H

struct http_ctx;

/* Every role with its names for people, in the table's order. */
void api_roles_list(struct http_ctx *ctx);

#endif

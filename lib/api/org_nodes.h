/*
 * The organisation tree below each province (cities, counties, zones; issue
 * 20). The rules live in sql/definitions/62_org_nodes.sql; these handlers
 * check the form of what they are sent and answer.
 */
#ifndef PT_API_ORG_NODES_H
#define PT_API_ORG_NODES_H

#include <stdbool.h>

struct http_ctx;

/* A node code's form: CN-XX then one to four segments of A-Z and 0-9, each up to 16. */
bool org_node_code_form(const char *s);

/* GET /api/v1/provinces/{code}/nodes: the province's tree, depth first. */
void api_org_nodes_tree(struct http_ctx *ctx);
/* POST /api/v1/provinces/{code}/nodes: coordinators and admins add a node. */
void api_org_nodes_create(struct http_ctx *ctx);
/* PUT /api/v1/users/{username}/node: admins scope a provincial office's user to a node. */
void api_org_nodes_user_set(struct http_ctx *ctx);
/* GET /api/v1/provinces/{code}/node-reports/{period}: a province's node reports. */
void api_node_reports_list(struct http_ctx *ctx);
/* POST /api/v1/provinces/{code}/node-reports/{period}: a node's office files its report. */
void api_node_reports_file(struct http_ctx *ctx);
/* POST /api/v1/node-reports/{id}/approve and /return: the level right above reviews. */
void api_node_reports_approve(struct http_ctx *ctx);
void api_node_reports_return(struct http_ctx *ctx);

#endif

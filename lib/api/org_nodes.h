/*
 * The organisation tree below each province (cities, counties, zones; issue
 * 20). The rules live in sql/definitions/62_org_nodes.sql; these handlers
 * check the form of what they are sent and answer.
 */
#ifndef PT_API_ORG_NODES_H
#define PT_API_ORG_NODES_H

struct http_ctx;

/* GET /api/v1/provinces/{code}/nodes: the province's tree, depth first. */
void api_org_nodes_tree(struct http_ctx *ctx);
/* POST /api/v1/provinces/{code}/nodes: coordinators and admins add a node. */
void api_org_nodes_create(struct http_ctx *ctx);

#endif

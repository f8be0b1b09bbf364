-- Scopes a provincial office's user to a node of the organisation tree, or
-- back to the whole province (PUT /api/v1/users/{username}/node); the rules
-- are org_node_user_set()'s (sql/definitions/62_org_nodes.sql).
-- $1 caller_role text
-- $2 caller_user_id bigint
-- $3 username text
-- $4 node text: the node's code; NULL: the whole province
-- returns: outcome, reason, field, detail (lib/api/refusal.h); the user's JSON when ok
SELECT r.outcome, r.reason, r.field, r.detail, r.body
FROM org_node_user_set($2::bigint, $1, $3, $4) r

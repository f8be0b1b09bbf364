-- Adds a node to a province's organisation tree (POST
-- /api/v1/provinces/{code}/nodes); the rules are org_node_create()'s
-- (sql/definitions/62_org_nodes.sql).
-- $1 caller_role text
-- $2 caller_user_id bigint
-- $3 province text: the path segment as given
-- $4 fields jsonb: code, parent, kind, name_zh, name_en, sort_order, already checked for type and form
-- returns: outcome, reason, field, detail (lib/api/refusal.h); the node's JSON when ok
SELECT r.outcome,
       r.reason,
       r.field,
       r.detail,
       (SELECT json_build_object('depth', 1 + (SELECT count(*) FROM org_node_ancestors(n.parent_id)))::jsonb
               || {{org_node_json}}::jsonb
        FROM (SELECT (r.node).*) n
        WHERE r.outcome = 'ok')::text
FROM org_node_create($2::bigint, $1, $3, $4::jsonb) r

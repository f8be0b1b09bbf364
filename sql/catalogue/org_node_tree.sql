-- A province's organisation tree (GET /api/v1/provinces/{code}/nodes): every
-- node, depth first (each node before its children, siblings by sort_order),
-- with its depth (1: right under the province).
-- $1 code text
-- returns: {"province": code, "items": [...]}; no row when there is no such province
WITH RECURSIVE walk AS (
    SELECT n.id, 1 AS depth, ARRAY[n.sort_order, n.id::integer] AS path
    FROM org_nodes n
    WHERE n.province_code = $1 AND n.parent_id IS NULL
    UNION ALL
    SELECT c.id, w.depth + 1, w.path || ARRAY[c.sort_order, c.id::integer]
    FROM org_nodes c
    JOIN walk w ON c.parent_id = w.id
)
SELECT json_build_object('province', p.code,
                         'items', (SELECT coalesce(json_agg(json_build_object('depth', w.depth) :: jsonb
                                                            || {{org_node_json}}::jsonb
                                                            ORDER BY w.path), '[]')
                                   FROM walk w
                                   JOIN org_nodes n ON n.id = w.id))::text
FROM provinces p
WHERE p.code = $1

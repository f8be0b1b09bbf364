-- The node reports of a province for a period
-- (GET /api/v1/provinces/{code}/node-reports/{period}), in the tree's order
-- (each node before those below it); nodes without a report are left out.
-- $1 province text
-- $2 period text
-- returns: {"province", "period", "items": [...]}; no row when there is no such province or period
WITH RECURSIVE walk AS (
    SELECT n.id, 1 AS depth, ARRAY[n.sort_order, n.id::integer] AS path
    FROM org_nodes n
    WHERE n.province_code = $1 AND n.parent_id IS NULL
    UNION ALL
    SELECT c.id, w.depth + 1, w.path || ARRAY[c.sort_order, c.id::integer]
    FROM org_nodes c
    JOIN walk w ON c.parent_id = w.id
)
SELECT json_build_object(
           'province', p.code, 'period', pe.code,
           'items', (SELECT coalesce(json_agg(node_report_json(r) ORDER BY w.path), '[]')
                     FROM walk w
                     JOIN node_reports r ON r.org_node_id = w.id AND r.period_code = pe.code))::text
FROM provinces p, periods pe
WHERE p.code = $1 AND pe.code = $2

-- Whether the caller ($1 caller_role, $2 caller_agency, $3 caller_province)
-- carries work item `w` (of task `t`): an agency officer the items of its
-- agency (of tasks in its province, when bound to one), a provincial office
-- the items of its office; a user of an office scoped to a node ($3 is then
-- the node's code, lib/api/work_items.c) those of the node's subtree
-- (org_node_covers()). The responsible party of work_item_update().
(($1::text = 'agency' AND w.agency_code = $2::text
  AND ($3::text IS NULL OR t.province_code = $3::text))
 OR ($1::text = 'province' AND org_node_covers($3::text, w.province_code, w.org_node_id)))

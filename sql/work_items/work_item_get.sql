-- One work item (GET /api/v1/work-items/{id}); a removed one is gone.
-- $1 caller_role text
-- $2 caller_agency text
-- $3 caller_province text
-- $4 id text: the path segment as given; one that is not a number finds nothing
-- returns: the item's JSON; its version (the ETag)
SELECT json_build_object({{work_item_fields}})::text,
       w.version
FROM work_items w
{{work_item_joins}}
WHERE w.id = (CASE WHEN $4 ~ '^[0-9]{1,18}$' THEN $4::bigint END)
  AND w.removed_at IS NULL

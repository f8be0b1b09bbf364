-- One change to one work item, with its event and its task's roll-up
-- (PATCH /api/v1/work-items/{id}); the rules are work_item_update()'s
-- (sql/definitions/24_work_items.sql).
-- $1 caller_role text
-- $2 caller_agency text
-- $3 caller_province text
-- $4 caller_user_id bigint
-- $5 id text: the path segment as given; one that is not a number names no item
-- $6 if_match_version int: the version If-Match names
-- $7 fields jsonb: the fields to change, already checked for type and format
-- $8 note text
-- returns: outcome, reason, field, detail (lib/api/refusal.h); the item's
--   version when ok or stale; the item's JSON when ok
SELECT r.outcome,
       r.reason,
       r.field,
       CASE WHEN r.reason = 'not_found' THEN refusal_not_found('work item', $5) ELSE r.detail END,
       r.current_version,
       (SELECT json_build_object({{work_item_fields}})::text
        FROM (SELECT (r.item).*) w
        {{work_item_joins}}
        WHERE r.outcome = 'ok')
FROM work_item_update(CASE WHEN $5 ~ '^[0-9]{1,18}$' THEN $5::bigint END,
                      $4::bigint, $1, $2, $3, $6::int, $7::jsonb, $8) r

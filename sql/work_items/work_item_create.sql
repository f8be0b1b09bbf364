-- Splits one work item off a task (POST /api/v1/tasks/{id}/work-items); the
-- rules are work_item_create()'s (sql/definitions/24_work_items.sql).
-- $1 caller_role text
-- $2 caller_agency text
-- $3 caller_province text
-- $4 caller_user_id bigint
-- $5 task text: the path segment as given; one that is not a number names no task
-- $6 fields jsonb: title_zh, title_en, due_date, agency or office, sort_order, already checked for type and format
-- $7 note text
-- returns: outcome, reason, field, detail (lib/api/refusal.h); the item's
--   version, JSON and href when ok
SELECT r.outcome,
       r.reason,
       r.field,
       CASE WHEN r.reason = 'not_found' THEN refusal_not_found('task', $5) ELSE r.detail END,
       r.current_version,
       (SELECT json_build_object({{work_item_fields}})::text
        FROM (SELECT (r.item).*) w
        {{work_item_joins}}
        WHERE r.outcome = 'ok'),
       CASE WHEN r.outcome = 'ok' THEN '/api/v1/work-items/' || (r.item).id END
FROM work_item_create(CASE WHEN $5 ~ '^[0-9]{1,18}$' THEN $5::bigint END,
                      $4::bigint, $1, $6::jsonb, $7) r

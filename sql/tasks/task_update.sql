-- One change to one task, with its event (PATCH /api/v1/tasks/{id}); the
-- workflow's rules are task_update()'s (sql/definitions/22_task_update.sql).
-- $1 caller_role text
-- $2 caller_agency text
-- $3 caller_province text
-- $4 caller_user_id bigint
-- $5 id text: the path segment as given; one that is not a number names no task
-- $6 if_match_version int: the version If-Match names; NULL skips the check
-- $7 fields jsonb: the fields to change, already checked for type and format
-- $8 note text
-- returns: outcome, reason, field, detail (lib/api/refusal.h); the task's
--   version when ok or stale; the task's JSON when ok
SELECT r.outcome,
       r.reason,
       r.field,
       -- A missing task is named as the path named it, a number or not.
       CASE WHEN r.reason = 'not_found' THEN refusal_not_found('task', $5) ELSE r.detail END,
       r.current_version,
       (SELECT json_build_object({{task_fields}})::text
        FROM (SELECT (r.task).*) t
        {{task_joins}}
        WHERE r.outcome = 'ok')
FROM task_update(CASE WHEN $5 ~ '^[0-9]{1,18}$' THEN $5::bigint END,
                 $4::bigint, $1, $2, $3, $6::int, $7::jsonb, $8) r

-- One step of the supervision loop on one task (POST /api/v1/tasks/{id}/receive,
-- /send-back, /reassign, /extensions, /extensions/approve, /extensions/refuse);
-- the rules are task_supervise()'s (sql/definitions/70_supervision.sql).
-- $1 caller_role text
-- $2 caller_agency text
-- $3 caller_province text
-- $4 caller_user_id bigint
-- $5 id text: the path segment as given; one that is not a number names no task
-- $6 action text: receive, send_back, reassign, request_extension, approve_extension or refuse_extension
-- $7 fields jsonb: reason, due_date and agency as sent, already checked for type and format
-- returns: outcome, reason, field, detail (lib/api/refusal.h); the task's
--   version when ok. The daemon then answers with task_get: a statement sees
--   the tables as they were when it began, so this one cannot show the
--   extension request its own call of task_supervise() made.
SELECT r.outcome,
       r.reason,
       r.field,
       -- A missing task is named as the path named it, a number or not.
       CASE WHEN r.reason = 'not_found' THEN refusal_not_found('task', $5) ELSE r.detail END,
       CASE WHEN r.outcome = 'ok' THEN (r.task).version END
FROM task_supervise(CASE WHEN $5 ~ '^[0-9]{1,18}$' THEN $5::bigint END,
                    $4::bigint, $1, $2, $3, $6, $7::jsonb) r

-- Many task changes at once, all or nothing (POST /api/v1/tasks:batch-update);
-- see task_batch_update() (sql/definitions/23_task_batch_update.sql).
-- $1 caller_role text
-- $2 caller_agency text
-- $3 caller_province text
-- $4 caller_user_id bigint
-- $5 items jsonb: [{id, version, fields, note}], each already checked
-- returns: outcome, reason, field, detail, errors (lib/api/refusal.h); the
--   changed tasks (index, id, version, etag) as JSON when ok
SELECT outcome, reason, field, detail, errors::text, items::text
FROM task_batch_update($4::bigint, $1, $2, $3, $5::jsonb)

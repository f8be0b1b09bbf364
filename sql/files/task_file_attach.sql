-- Attaches an evidence file to a task, with its event (POST /api/v1/tasks/{id}/files);
-- the rules are task_file_attach()'s (sql/definitions/40_task_files.sql).
-- $1 caller_role text
-- $2 caller_agency text
-- $3 caller_province text
-- $4 caller_user_id bigint
-- $5 id text: the path segment as given; one that is not a number names no task
-- $6 name text: the file's name, checked for form
-- $7 media_type text: what the daemon found the bytes to be
-- $8 content bytea: the file's bytes, the one parameter sent in binary
-- returns: outcome, reason, field, detail (lib/api/refusal.h); the file's JSON
--   and its path (the answer's Location) when ok
SELECT r.outcome,
       r.reason,
       r.field,
       -- A missing task is named as the path named it, a number or not.
       CASE WHEN r.reason = 'not_found' THEN refusal_not_found('task', $5) ELSE r.detail END,
       (SELECT {{task_file_json}}::text
        FROM (SELECT (r.file).*) f
        JOIN users u ON u.id = f.uploaded_by
        WHERE r.outcome = 'ok'),
       CASE WHEN r.outcome = 'ok'
            THEN '/api/v1/tasks/' || (r.file).task_id || '/files/' || (r.file).id END
FROM task_file_attach(CASE WHEN $5 ~ '^[0-9]{1,18}$' THEN $5::bigint END,
                      $4::bigint, $1, $2, $3, $6, $7, $8::bytea) r

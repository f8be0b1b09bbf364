-- A task's extension requests, newest first (GET /api/v1/tasks/{id}/extensions).
-- $1 id text: the path segment as given; one that is not a number finds nothing
-- returns: {"task", "due_date", "due_date_original", "items"}; no row when there is no such task
SELECT json_build_object(
           'task',              t.id,
           'due_date',          t.due_date,
           'due_date_original', task_original_due(t.id, t.due_date),
           'items',             (SELECT coalesce(json_agg(extension_request_json(e) ORDER BY e.id DESC), '[]')
                                 FROM extension_requests e
                                 WHERE e.task_id = t.id))::text
FROM tasks t
WHERE t.id = (CASE WHEN $1 ~ '^[0-9]{1,18}$' THEN $1::bigint END)

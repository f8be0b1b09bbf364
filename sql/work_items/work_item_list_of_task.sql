-- A task's work items, in their order, with the task's status and progress
-- (rolled up from them) (GET /api/v1/tasks/{id}/work-items). Not paged: a
-- task has at most 50 live items (work_item_create()).
-- $1 caller_role text
-- $2 caller_agency text
-- $3 caller_province text
-- $4 task text: the path segment as given; one that is not a number finds no task
-- returns: {task, status, progress, decomposed, items}; no row when there is no such task
SELECT json_build_object(
           'task', x.id,
           'status', x.status,
           'progress', x.progress,
           'decomposed', EXISTS (SELECT 1 FROM work_items w WHERE w.task_id = x.id AND w.removed_at IS NULL),
           'items', (SELECT coalesce(json_agg(json_build_object({{work_item_fields}})
                                              ORDER BY w.sort_order, w.id), '[]')
                     FROM work_items w
                     {{work_item_joins}}
                     WHERE w.task_id = x.id
                       AND w.removed_at IS NULL))::text
FROM tasks x
WHERE x.id = (CASE WHEN $4 ~ '^[0-9]{1,18}$' THEN $4::bigint END)

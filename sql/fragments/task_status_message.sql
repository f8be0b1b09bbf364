-- What a `status` parameter must be, from task_statuses: 'must be one of
-- not_started, in_progress, …'. The text a list's check gives after
-- '400:status:'. No parameters.
(SELECT 'must be one of ' || string_agg(status, ', ' ORDER BY sort_order) FROM task_statuses)

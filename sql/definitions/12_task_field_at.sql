-- The value a field of a task had at the end of `day`: the "to" of the latest
-- event that changed it (migration 0009). tasks_as_of() and the trend take
-- this way for a task whose events are out of time order.
CREATE OR REPLACE FUNCTION task_field_at(p_task bigint, p_field text, p_day date) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT e.changes -> p_field -> 'to'
    FROM events e
    WHERE e.subject_type = 'task' AND e.subject_id = p_task AND e.changes ? p_field
      AND e.at < p_day + 1
    ORDER BY e.id DESC LIMIT 1
$$;

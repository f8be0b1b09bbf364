-- Dashboards "as of" a past day: each task's state at the end of that day,
-- rebuilt from the audit trail (every task starts not_started, progress 0,
-- no due date; each event says what changed from what to what).

-- RAG as seen on a given day: task_rag_derived() is this rule on today.
CREATE FUNCTION task_rag_at(status text, progress integer, due_date date,
                            updated_at timestamptz, day date) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN status = 'blocked' THEN 'red'
        WHEN status IN ('completed', 'verified') THEN 'green'
        WHEN due_date < day THEN 'red'
        WHEN due_date <= day + 30 AND progress < 50 THEN 'amber'
        WHEN updated_at < day - 90 THEN 'amber'
        ELSE 'green'
    END
$$;

CREATE OR REPLACE FUNCTION task_rag_derived(status text, progress integer, due_date date,
                                            updated_at timestamptz) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT task_rag_at(status, progress, due_date, updated_at, current_date)
$$;

-- The value a field had at the end of `day`: the latest event that changed it.
CREATE FUNCTION task_field_at(p_task bigint, p_field text, p_day date) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT e.changes -> p_field -> 'to'
    FROM events e
    WHERE e.subject_type = 'task' AND e.subject_id = p_task AND e.changes ? p_field
      AND e.at < p_day + 1
    ORDER BY e.id DESC LIMIT 1
$$;

CREATE FUNCTION tasks_as_of(p_day date)
RETURNS TABLE (id bigint, status text, progress integer, due_date date, rag text,
               is_overdue boolean, changed_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT x.id, x.status, x.progress, x.due_date,
           coalesce(x.rag_override, task_rag_at(x.status, x.progress, x.due_date, x.changed_at, p_day)),
           coalesce(x.due_date < p_day, false) AND x.status NOT IN ('completed', 'verified'),
           x.changed_at
    FROM (
        SELECT t.id,
               coalesce(task_field_at(t.id, 'status', p_day) #>> '{}', 'not_started') AS status,
               coalesce((task_field_at(t.id, 'progress', p_day) #>> '{}')::integer, 0) AS progress,
               (task_field_at(t.id, 'due_date', p_day) #>> '{}')::date AS due_date,
               task_field_at(t.id, 'rag_override', p_day) ->> 'rating' AS rag_override,
               coalesce((SELECT max(e.at) FROM events e WHERE e.subject_type = 'task'
                         AND e.subject_id = t.id AND e.at < p_day + 1), t.created_at) AS changed_at
        FROM tasks t
        WHERE t.created_at < p_day + 1
    ) x
$$;

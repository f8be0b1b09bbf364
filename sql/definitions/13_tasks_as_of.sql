-- Dashboards "as of" a past day: each task's state at the end of that day,
-- rebuilt from the audit trail (every task starts not_started, progress 0,
-- no due date; each event says what changed from what to what). Defined in
-- migration 0009, made fast by 0012 (task_event_states); this is 0012's.
--
-- Each task's state at the end of p_day, as 0009 defined it: each field the
-- "to" of the latest event (by id) before the day ended that changed it, the
-- time of the latest such event, or the task's defaults. When a task's events
-- are in time order (all of them, unless a clock stepped back), those before
-- the day ended are a prefix of its history, and that state is the row of the
-- last of them. Tasks with an event out of order take 0009's way, through
-- task_field_at().
--
-- STRICT, so that PostgreSQL does not inline it: run as a function scan, it
-- rebuilds every task once per statement whatever the plan around it.
-- Inlined, a plan that misjudged the tasks the dashboard keeps (a prepared
-- statement's generic plan from its sixth run on a connection, or tables
-- not yet analysed) joined each of them with a fresh rebuild of every task:
-- seconds at a few hundred tasks, past the statement timeout. NULL (no day)
-- gives no rows, as it did inlined.
CREATE OR REPLACE FUNCTION tasks_as_of(p_day date)
RETURNS TABLE (id bigint, status text, progress integer, due_date date, rag text,
               is_overdue boolean, changed_at timestamptz)
LANGUAGE sql STABLE STRICT AS $$
    SELECT x.id, x.status, x.progress, x.due_date,
           coalesce(x.rag_override, task_rag_at(x.status, x.progress, x.due_date, x.changed_at, p_day)),
           coalesce(x.due_date < p_day, false) AND x.status NOT IN ('completed', 'verified'),
           x.changed_at
    FROM (
        SELECT t.id,
               coalesce(s.status, 'not_started') AS status,
               coalesce(s.progress::integer, 0) AS progress,
               s.due_date::date AS due_date,
               s.rag_override,
               coalesce(s.at, t.created_at) AS changed_at
        FROM tasks t
        LEFT JOIN LATERAL (
            SELECT s.status, s.progress, s.due_date, s.rag_override, s.at
            FROM task_event_states s
            WHERE s.task_id = t.id AND s.at < p_day + 1
            ORDER BY s.at DESC, s.event_id DESC
            LIMIT 1
        ) s ON true
        WHERE t.created_at < p_day + 1
          AND t.id <> ALL (coalesce((SELECT array_agg(o.task_id) FROM task_event_states o
                                     WHERE o.out_of_order), '{}'))
        UNION ALL
        SELECT t.id,
               coalesce(task_field_at(t.id, 'status', p_day) #>> '{}', 'not_started'),
               coalesce((task_field_at(t.id, 'progress', p_day) #>> '{}')::integer, 0),
               (task_field_at(t.id, 'due_date', p_day) #>> '{}')::date,
               task_field_at(t.id, 'rag_override', p_day) ->> 'rating',
               coalesce((SELECT max(e.at) FROM events e WHERE e.subject_type = 'task'
                         AND e.subject_id = t.id AND e.at < p_day + 1), t.created_at)
        FROM tasks t
        WHERE t.created_at < p_day + 1
          AND t.id = ANY (coalesce((SELECT array_agg(o.task_id) FROM task_event_states o
                                    WHERE o.out_of_order), '{}'))
    ) x
$$;

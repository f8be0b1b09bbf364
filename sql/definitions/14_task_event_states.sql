-- task_event_states (migration 0012): each task's state after each of its
-- events, kept beside the audit trail for tasks_as_of() and the trend. Derived
-- data, written only by these functions, as the tables' owner; the daemon's
-- role may read the table, not call them. From migration 0012.

-- The rows of the given tasks (NULL: of every task), rebuilt from their events
-- so that none of their events is added meanwhile: for every task under the
-- writers' lock taken exclusive; for some, under their chain locks, which the
-- chain trigger of the events that call it holds (an insert with that trigger
-- off, as bench/gen-data makes, holds the writers' lock exclusive itself).
-- Not one lock per task here: thousands would overflow the lock table. A field's value
-- after an event is that of the latest event up to it that set the field: the
-- first of the events since the last that set it (first_value() over the
-- events numbered by how many set the field so far).
CREATE OR REPLACE FUNCTION task_event_states_rebuild(p_tasks bigint[]) RETURNS void
LANGUAGE sql AS $$
    SELECT CASE WHEN p_tasks IS NULL THEN audit_write_lock(true) END;
    DELETE FROM task_event_states s
    WHERE p_tasks IS NULL OR s.task_id IN (SELECT unnest(p_tasks));
    INSERT INTO task_event_states (task_id, event_id, at, out_of_order, sets_status, status,
                                   progress, due_date, rag_override)
    SELECT y.subject_id, y.id, y.at, coalesce(y.at < y.before, false), y.sets_status,
           first_value(y.status) OVER (PARTITION BY y.subject_id, y.n_status ORDER BY y.id),
           first_value(y.progress) OVER (PARTITION BY y.subject_id, y.n_progress ORDER BY y.id),
           first_value(y.due_date) OVER (PARTITION BY y.subject_id, y.n_due_date ORDER BY y.id),
           first_value(y.rag_override) OVER (PARTITION BY y.subject_id, y.n_rag_override ORDER BY y.id)
    FROM (
        SELECT e.subject_id, e.id, e.at, e.changes ? 'status' AS sets_status,
               max(e.at) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before,
               CASE WHEN e.changes ? 'status' THEN e.changes -> 'status' -> 'to' #>> '{}' END AS status,
               CASE WHEN e.changes ? 'progress' THEN e.changes -> 'progress' -> 'to' #>> '{}' END AS progress,
               CASE WHEN e.changes ? 'due_date' THEN e.changes -> 'due_date' -> 'to' #>> '{}' END AS due_date,
               CASE WHEN e.changes ? 'rag_override'
                    THEN e.changes -> 'rag_override' -> 'to' ->> 'rating' END AS rag_override,
               count(*) FILTER (WHERE e.changes ? 'status') OVER w AS n_status,
               count(*) FILTER (WHERE e.changes ? 'progress') OVER w AS n_progress,
               count(*) FILTER (WHERE e.changes ? 'due_date') OVER w AS n_due_date,
               count(*) FILTER (WHERE e.changes ? 'rag_override') OVER w AS n_rag_override
        FROM events e
        WHERE e.subject_type = 'task' AND (p_tasks IS NULL OR e.subject_id IN (SELECT unnest(p_tasks)))
        WINDOW w AS (PARTITION BY e.subject_id ORDER BY e.id)
    ) y
    ORDER BY y.subject_id, y.id;
$$;

-- After each statement that inserts events. The usual one, task_update()'s,
-- inserts one event after its task's last: its row is the task's last row
-- with what the event changes. Any other (several events at once, as
-- bench/gen-data does, or one older by id than its task's last, which only an
-- insert with the chain trigger off can make) rebuilds the tasks it concerns
-- from their events, in one set-based pass. SECURITY DEFINER: the daemon's
-- role may read the table but not write it.
CREATE OR REPLACE FUNCTION task_event_states_append() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    ev record;
    prev task_event_states;
    tasks bigint[];
BEGIN
    -- The chain trigger holds the lock of each event's subject: a task's
    -- events and states are written by one transaction at a time.
    IF (SELECT count(*) FROM new_events) = 1 THEN
        SELECT * INTO ev FROM new_events;
        IF ev.subject_type <> 'task' THEN
            RETURN NULL;
        END IF;
        SELECT * INTO prev FROM task_event_states s WHERE s.task_id = ev.subject_id
        ORDER BY s.event_id DESC LIMIT 1;
        IF prev.event_id IS NULL OR prev.event_id < ev.id THEN
            INSERT INTO task_event_states (task_id, event_id, at, out_of_order, sets_status, status,
                                           progress, due_date, rag_override)
            VALUES (ev.subject_id, ev.id, ev.at,
                    coalesce(ev.at < (SELECT max(m.at) FROM task_event_states m
                                      WHERE m.task_id = ev.subject_id), false),
                    ev.changes ? 'status',
                    CASE WHEN ev.changes ? 'status'
                         THEN ev.changes -> 'status' -> 'to' #>> '{}' ELSE prev.status END,
                    CASE WHEN ev.changes ? 'progress'
                         THEN ev.changes -> 'progress' -> 'to' #>> '{}' ELSE prev.progress END,
                    CASE WHEN ev.changes ? 'due_date'
                         THEN ev.changes -> 'due_date' -> 'to' #>> '{}' ELSE prev.due_date END,
                    CASE WHEN ev.changes ? 'rag_override'
                         THEN ev.changes -> 'rag_override' -> 'to' ->> 'rating'
                         ELSE prev.rag_override END);
            RETURN NULL;
        END IF;
    END IF;

    SELECT array_agg(DISTINCT subject_id) INTO tasks FROM new_events WHERE subject_type = 'task';
    IF tasks IS NOT NULL THEN
        PERFORM task_event_states_rebuild(tasks);
    END IF;
    RETURN NULL;
END
$$;

REVOKE ALL ON FUNCTION task_event_states_append() FROM PUBLIC, policytrack_app;
REVOKE ALL ON FUNCTION task_event_states_rebuild(bigint[]) FROM PUBLIC, policytrack_app;

-- Dashboards "as of" a day, and the trend, fast: each task's state after each
-- of its events, kept beside the audit trail. tasks_as_of() then finds a
-- task's state at the end of a day with one index probe, where 0009 scanned
-- the task's whole history five times (17 s for a dashboard at 20,000 tasks
-- and 1,000,000 events), and the trend reads only when statuses changed.
--
-- task_event_states is derived data: one row per task event, written by the
-- trigger below as events are inserted (and backfilled here), never by the
-- daemon. The events table keeps every rule of 0005 (append-only, hash
-- chain, the chain's lock): nothing here updates or deletes an event.

CREATE TABLE task_event_states (
    task_id      bigint NOT NULL,
    event_id     bigint NOT NULL,
    at           timestamptz NOT NULL,  -- the event's time
    -- Earlier than an earlier event of the task (a clock stepped back, or a
    -- backdated insert): see tasks_as_of().
    out_of_order boolean NOT NULL,
    sets_status  boolean NOT NULL,      -- the event changes the status (changes ? 'status')
    -- Each field as the task's events up to this one (in id order) left it:
    -- the "to" of the latest that changed it, as text (changes -> field ->
    -- 'to' #>> '{}', the rating for rag_override); NULL when none did, or it
    -- was set to null. tasks_as_of() applies the defaults and the casts.
    status       text,
    progress     text,
    due_date     text,
    rag_override text,
    PRIMARY KEY (task_id, event_id)
);

-- The rows of the given tasks (NULL: of every task), rebuilt from their events
-- under the chain's lock, so that no event is added meanwhile. A field's value
-- after an event is that of the latest event up to it that set the field: the
-- first of the events since the last that set it (first_value() over the
-- events numbered by how many set the field so far).
CREATE FUNCTION task_event_states_rebuild(p_tasks bigint[]) RETURNS void
LANGUAGE sql AS $$
    SELECT pg_advisory_xact_lock(7301958413);
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
CREATE FUNCTION task_event_states_append() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    ev record;
    prev task_event_states;
    tasks bigint[];
BEGIN
    -- Every writer takes the chain's lock before writing: events and their
    -- states are written by one transaction at a time.
    PERFORM pg_advisory_xact_lock(7301958413);

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

CREATE TRIGGER events_task_states AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION task_event_states_append();

-- Derived data: the daemon reads it; only the trigger (as the owner) writes it.
REVOKE ALL ON task_event_states FROM policytrack_app;
GRANT SELECT ON task_event_states TO policytrack_app;
REVOKE ALL ON FUNCTION task_event_states_append() FROM PUBLIC, policytrack_app;
REVOKE ALL ON FUNCTION task_event_states_rebuild(bigint[]) FROM PUBLIC, policytrack_app;

-- The events already written (the trigger is in place: no writer can slip one
-- in between), then the indexes, built once over them.
SELECT task_event_states_rebuild(NULL);

-- tasks_as_of(): a task's last event before a day ends.
CREATE INDEX task_event_states_at ON task_event_states (task_id, at, event_id)
    INCLUDE (status, progress, due_date, rag_override);
-- The trend: when each task's status changed.
CREATE INDEX task_event_states_status ON task_event_states (task_id, at, event_id)
    INCLUDE (status) WHERE sets_status;
CREATE INDEX task_event_states_out_of_order ON task_event_states (task_id) WHERE out_of_order;

-- The summary's last_change_at: the latest event (before a day ended), one
-- index probe instead of a scan of the whole trail.
CREATE INDEX events_at ON events (at);

ANALYZE task_event_states;

-- Each task's state at the end of p_day, as 0009 defined it: each field the
-- "to" of the latest event (by id) before the day ended that changed it, the
-- time of the latest such event, or the task's defaults. When a task's events
-- are in time order (all of them, unless a clock stepped back), those before
-- the day ended are a prefix of its history, and that state is the row of the
-- last of them. Tasks with an event out of order take 0009's way, through
-- task_field_at().
CREATE OR REPLACE FUNCTION tasks_as_of(p_day date)
RETURNS TABLE (id bigint, status text, progress integer, due_date date, rag text,
               is_overdue boolean, changed_at timestamptz)
LANGUAGE sql STABLE AS $$
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

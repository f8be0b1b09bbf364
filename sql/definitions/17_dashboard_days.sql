-- `as_of` and the trend from sums by day (issue 15, item 1; tables of
-- migration 0030). Each task's state at the end of a day, as tasks_as_of()
-- (definitions/13_tasks_as_of.sql) rebuilds it and judges it on that day,
-- changes only on the days its events happen and on the days a rule turns
-- (its due date passes, it comes within 30 days of it, 91 days go by since
-- its last event). dashboard_task_days keeps each task's changes, one row
-- per day it changes, with the keys the dashboards filter by (its current
-- section, agency and province, as GET /api/v1/tasks filters); the
-- dashboard_day_counts rows add them up by grain, as differences on their
-- days: the figures at the end of a day are the sum of the grain's rows up
-- to it. Triggers keep both exact in the transaction of every change of the
-- task_event_states (every task event), of a task's keys or creation, of a
-- measure's section. Days are dashboard_zone's, as for the sums of
-- definition 15. Re-applying this file rebuilds both tables.

-- The days on which tasks p_ids change, and what each changes to, computed
-- from the history. The session's TimeZone must be dashboard_zone's (the
-- caller sets it): a day ends at midnight there, as tasks_as_of() has it.
-- Points: the creation day; each later day with events (the state at its
-- end is the last state row of the day; events before the creation day count
-- on it); and within each run between them, the days a rule of task_rag_at()
-- or the overdue test turns. Each point is judged with tasks_as_of()'s own
-- expressions, and kept when it differs from the point before. A task with
-- events out of time order takes tasks_as_of()'s slow path, task_field_at(),
-- at each point.
--
-- dashboard_task_days_since(p_ids, p_from): only the rows from day p_from
-- on, for a change that leaves the days before it as they were (an event on
-- day p_from or later). The state on a day depends only on the events up
-- to it, so the computation starts from the last day with events before
-- p_from (the run that p_from falls in, or the creation day), whose state
-- and points are the same as in the whole computation; each row from p_from
-- on is compared with the point before it, which is in that window. A task
-- with events out of time order, or p_from NULL, gets all its rows.
CREATE OR REPLACE FUNCTION dashboard_task_days_since(p_ids bigint[], p_from date)
RETURNS TABLE (task_id bigint, day date, section_id integer, agency_code text, province_code text,
               status text, rag text, overdue boolean)
LANGUAGE sql STABLE AS $$
    WITH t0 AS (
        SELECT t.id, t.created_at, t.created_at::date AS c, m.section_id, t.agency_code, t.province_code,
               EXISTS (SELECT 1 FROM task_event_states o WHERE o.task_id = t.id AND o.out_of_order) AS odd
        FROM tasks t
        JOIN measures m ON m.id = t.measure_id
        WHERE t.id = ANY (p_ids)
    ),
    t AS (
        SELECT t0.*, w.out_from,
               CASE WHEN w.out_from = '-infinity' OR t0.c >= w.out_from THEN '-infinity'::date
                    ELSE greatest(t0.c, (SELECT max(s.at) FROM task_event_states s
                                         WHERE s.task_id = t0.id AND s.at < w.out_from)::date) END AS lo
        FROM t0
        CROSS JOIN LATERAL (SELECT CASE WHEN p_from IS NULL OR t0.odd THEN '-infinity'::date
                                        ELSE p_from END AS out_from) w
    ),
    fast AS (
        SELECT DISTINCT ON (x.id, x.day) x.*
        FROM (SELECT t.id, t.c AS day, 'not_started' AS status, 0 AS progress, NULL::date AS due_date,
                     NULL::text AS rag_override, t.created_at AS changed_at, NULL::timestamptz AS at,
                     NULL::bigint AS event_id
              FROM t
              WHERE NOT t.odd AND t.c >= t.lo
              UNION ALL
              SELECT t.id, greatest(s.at::date, t.c), coalesce(s.status, 'not_started'),
                     coalesce(s.progress::integer, 0), s.due_date::date, s.rag_override, s.at, s.at,
                     s.event_id
              FROM t
              JOIN task_event_states s ON s.task_id = t.id
              WHERE NOT t.odd AND (t.c >= t.lo OR s.at >= t.lo)) x
        ORDER BY x.id, x.day, x.at DESC NULLS LAST, x.event_id DESC NULLS LAST
    ),
    slow_days AS (
        SELECT t.id, t.c AS day FROM t WHERE t.odd
        UNION
        SELECT t.id, greatest(e.at::date, t.c)
        FROM t
        JOIN events e ON e.subject_type = 'task' AND e.subject_id = t.id
        WHERE t.odd
    ),
    runs AS (
        SELECT f.id, f.day, f.status, f.progress, f.due_date, f.rag_override, f.changed_at
        FROM fast f
        UNION ALL
        SELECT d.id, d.day,
               coalesce(task_field_at(d.id, 'status', d.day) #>> '{}', 'not_started'),
               coalesce((task_field_at(d.id, 'progress', d.day) #>> '{}')::integer, 0),
               (task_field_at(d.id, 'due_date', d.day) #>> '{}')::date,
               task_field_at(d.id, 'rag_override', d.day) ->> 'rating',
               coalesce((SELECT max(e.at) FROM events e WHERE e.subject_type = 'task'
                         AND e.subject_id = d.id AND e.at < d.day + 1), t.created_at)
        FROM slow_days d
        JOIN t ON t.id = d.id
    ),
    bounded AS (
        SELECT r.*, lead(r.day) OVER (PARTITION BY r.id ORDER BY r.day) AS next_day
        FROM runs r
    ),
    points AS (
        SELECT b.id, p.day, b.status, b.progress, b.due_date, b.rag_override, b.changed_at
        FROM bounded b
        CROSS JOIN LATERAL (SELECT b.day
                            UNION
                            SELECT x
                            FROM unnest(ARRAY[b.due_date + 1,
                                              CASE WHEN b.progress < 50 THEN b.due_date - 30 END,
                                              b.changed_at::date + 91]) x
                            WHERE x > b.day AND (b.next_day IS NULL OR x < b.next_day)) p(day)
    ),
    judged AS (
        SELECT p.id, p.day, p.status,
               coalesce(p.rag_override, task_rag_at(p.status, p.progress, p.due_date, p.changed_at, p.day)) AS rag,
               coalesce(p.due_date < p.day, false) AND p.status NOT IN ('completed', 'verified') AS overdue
        FROM points p
    ),
    changes AS (
        SELECT j.*,
               (j.status, j.rag, j.overdue) IS DISTINCT FROM
               (lag(j.status) OVER w, lag(j.rag) OVER w, lag(j.overdue) OVER w) AS changed
        FROM judged j
        WINDOW w AS (PARTITION BY j.id ORDER BY j.day)
    )
    SELECT c.id, c.day, t.section_id, t.agency_code, t.province_code, c.status, c.rag, c.overdue
    FROM changes c
    JOIN t ON t.id = c.id
    WHERE c.changed
      AND c.day >= t.out_from
$$;

-- All the rows of tasks p_ids.
CREATE OR REPLACE FUNCTION dashboard_task_days_now(p_ids bigint[])
RETURNS TABLE (task_id bigint, day date, section_id integer, agency_code text, province_code text,
               status text, rag text, overdue boolean)
LANGUAGE sql STABLE AS $$
    SELECT * FROM dashboard_task_days_since(p_ids, NULL)
$$;

-- Brings the days of tasks p_ids (changed, added or gone) up to date and adds
-- the difference to the sums: a task counts, at each grain, +1 from each of
-- its rows' days in that row's state and -1 from the next row's day, on the
-- day (span 0) and on its month (span 1); its rows as they were come out, as
-- they are go in. The differences are rows of this transaction's own (part:
-- its id) at the finest grain, as for the sums of definition 15: no other
-- writer waits for them, and dashboard_sums_fold() adds them into the kept
-- rows of every grain after commit.
CREATE OR REPLACE FUNCTION dashboard_days_refresh_since(p_ids bigint[], p_since timestamptz) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    zone_was text := current_setting('TimeZone');
    me bigint := txid_current();
    from_day date;
    now_rows dashboard_task_days[];
    cut_ids bigint[];
    cut_days date[];
    touched dashboard_day_counts[];
BEGIN
    IF p_ids IS NULL OR cardinality(p_ids) = 0 THEN
        RETURN;
    END IF;
    -- These tasks' parts locked first, in id order, as
    -- dashboard_counts_refresh() does: two writers of one task take turns,
    -- the second reading the first's days as committed.
    PERFORM 1 FROM dashboard_task_parts WHERE task_id = ANY (p_ids) ORDER BY task_id FOR UPDATE;
    -- Days end at midnight in dashboard_zone: the rules compare in the
    -- session's zone, set for this computation and put back.
    PERFORM set_config('TimeZone', (SELECT zone FROM dashboard_zone), true);
    from_day := p_since::date;
    now_rows := ARRAY(SELECT ROW(n.*)::dashboard_task_days FROM dashboard_task_days_since(p_ids, from_day) n);
    PERFORM set_config('TimeZone', zone_was, true);
    -- Each task's first day recomputed, as dashboard_task_days_since() cuts.
    SELECT array_agg(u.id ORDER BY u.id),
           array_agg(CASE WHEN from_day IS NULL
                               OR EXISTS (SELECT 1 FROM task_event_states o WHERE o.task_id = u.id AND o.out_of_order)
                          THEN '-infinity'::date ELSE from_day END ORDER BY u.id)
    INTO cut_ids, cut_days
    FROM (SELECT DISTINCT x FROM unnest(p_ids) x) u(id);

    -- The rows from the cut on come out and go in again, and with them the
    -- row before the cut (its end may move): the others are as they were.
    WITH cut AS (
        SELECT c.id, c.cut,
               coalesce((SELECT max(d.day) FROM dashboard_task_days d WHERE d.task_id = c.id AND d.day < c.cut),
                        c.cut) AS k
        FROM unnest(cut_ids, cut_days) c(id, cut)
    ),
    was AS (
        SELECT d.* FROM dashboard_task_days d JOIN cut ON d.task_id = cut.id AND d.day >= cut.k
    ),
    now_all AS (
        SELECT n.* FROM unnest(now_rows) n
        UNION ALL
        SELECT d.* FROM dashboard_task_days d JOIN cut ON d.task_id = cut.id AND d.day = cut.k AND d.day < cut.cut
    ),
    rows AS (
        SELECT -1 AS sign, w.*, lead(w.day) OVER (PARTITION BY w.task_id ORDER BY w.day) AS until
        FROM was w
        UNION ALL
        SELECT 1, n.*, lead(n.day) OVER (PARTITION BY n.task_id ORDER BY n.day)
        FROM now_all n
    ),
    steps AS (
        SELECT r.sign * k.d AS d, sp.span,
               CASE WHEN sp.span = 1 THEN date_trunc('month', k.day)::date ELSE k.day END AS day,
               r.section_id, r.agency_code, r.province_code, r.status, r.rag, r.overdue
        FROM rows r
        CROSS JOIN LATERAL (VALUES (1, r.day), (-1, r.until)) k(d, day)
        CROSS JOIN (VALUES (0::smallint), (1::smallint)) sp(span)
        WHERE k.day IS NOT NULL
    ),
    delta AS (
        -- At the finest grain only, as the sums of definition 15: the folder
        -- adds each part in at every grain.
        SELECT 4::smallint AS grain,
               s.section_id,
               s.agency_code,
               s.province_code,
               s.status,
               s.span,
               s.day,
               sum(s.d) AS tasks,
               sum(s.d) FILTER (WHERE s.rag = 'red') AS red,
               sum(s.d) FILTER (WHERE s.rag = 'amber') AS amber,
               sum(s.d) FILTER (WHERE s.overdue) AS overdue
        FROM steps s
        GROUP BY 1, 2, 3, 4, 5, 6, 7
    ),
    nonzero AS (
        SELECT grain, section_id, agency_code, province_code, status, span, day, tasks,
               coalesce(red, 0) AS red, coalesce(amber, 0) AS amber, coalesce(overdue, 0) AS overdue
        FROM delta
        WHERE tasks <> 0 OR coalesce(red, 0) <> 0 OR coalesce(amber, 0) <> 0 OR coalesce(overdue, 0) <> 0
    ),
    added AS (
        INSERT INTO dashboard_day_counts AS c (grain, section_id, agency_code, province_code, status, span,
                                               day, tasks, red, amber, overdue, part)
        SELECT *, me FROM nonzero
        ON CONFLICT (grain, section_id, agency_code, province_code, status, span, day, part) DO UPDATE
        SET tasks = c.tasks + excluded.tasks,
            red = c.red + excluded.red,
            amber = c.amber + excluded.amber,
            overdue = c.overdue + excluded.overdue
        RETURNING c.*
    )
    SELECT array_agg(ROW(a.*)::dashboard_day_counts) INTO touched FROM added a
    WHERE a.tasks = 0 AND a.red = 0 AND a.amber = 0 AND a.overdue = 0;

    -- A row of this transaction's that came to nothing goes.
    IF touched IS NOT NULL THEN
        DELETE FROM dashboard_day_counts c
        USING unnest(touched) k
        WHERE c.grain = k.grain AND c.section_id = k.section_id AND c.agency_code = k.agency_code
          AND c.province_code = k.province_code AND c.status = k.status AND c.span = k.span
          AND c.day = k.day AND c.part = me;
    END IF;

    DELETE FROM dashboard_task_days d
    USING unnest(cut_ids, cut_days) c(id, cut)
    WHERE d.task_id = c.id AND d.day >= c.cut;
    INSERT INTO dashboard_task_days
    SELECT * FROM unnest(now_rows) ORDER BY task_id, day;
END
$$;
REVOKE EXECUTE ON FUNCTION dashboard_days_refresh_since(bigint[], timestamptz) FROM PUBLIC, policytrack_app;

-- All of the days of tasks p_ids.
-- PL/pgSQL: a SQL function is parsed and planned again at every call, and
-- every change of a task calls this one.
CREATE OR REPLACE FUNCTION dashboard_days_refresh(p_ids bigint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM dashboard_days_refresh_since(p_ids, NULL);
END
$$;
REVOKE EXECUTE ON FUNCTION dashboard_days_refresh(bigint[]) FROM PUBLIC, policytrack_app;

-- Both tables again from the history, under a lock that holds writers off
-- (and the folder: the sums are left folded).
CREATE OR REPLACE FUNCTION dashboard_days_rebuild() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    LOCK TABLE tasks, measures, task_event_states, dashboard_zone IN SHARE MODE;
    PERFORM pg_advisory_xact_lock(7301958417);  -- the folder's
    TRUNCATE dashboard_day_counts, dashboard_task_days;
    PERFORM dashboard_days_refresh(ARRAY(SELECT id FROM tasks));
    PERFORM dashboard_sums_fold();
END
$$;
REVOKE EXECUTE ON FUNCTION dashboard_days_rebuild() FROM PUBLIC, policytrack_app;

-- The triggers, statement-level with transition tables.
CREATE OR REPLACE FUNCTION dashboard_days_states_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    -- From the day of the earliest event changed on: the days before keep
    -- their state. All of them when an event out of time order comes or
    -- goes (the task takes or leaves tasks_as_of()'s slow path).
    IF TG_OP = 'INSERT' THEN
        PERFORM dashboard_days_refresh_since(ARRAY(SELECT DISTINCT task_id FROM new_rows),
                                             (SELECT CASE WHEN bool_or(out_of_order) THEN NULL ELSE min(at) END
                                              FROM new_rows));
    ELSE
        PERFORM dashboard_days_refresh_since(ARRAY(SELECT DISTINCT task_id FROM old_rows),
                                             (SELECT CASE WHEN bool_or(out_of_order) THEN NULL ELSE min(at) END
                                              FROM old_rows));
    END IF;
    RETURN NULL;
END
$$;

-- A task's keys or creation: its whole history moves (a re-assignment
-- moves the task's past to its new agency, as the filters see it).
CREATE OR REPLACE FUNCTION dashboard_days_tasks_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    moved bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM dashboard_days_refresh(ARRAY(SELECT id FROM new_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        -- Most updates (every status change) move no key: nothing to call.
        moved := ARRAY(SELECT n.id
                       FROM new_rows n
                       JOIN old_rows o ON o.id = n.id
                       WHERE (n.measure_id, n.agency_code, n.province_code, n.created_at)
                             IS DISTINCT FROM (o.measure_id, o.agency_code, o.province_code, o.created_at));
        IF cardinality(moved) > 0 THEN
            PERFORM dashboard_days_refresh(moved);
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM dashboard_days_refresh(ARRAY(SELECT id FROM old_rows));
    ELSE
        DELETE FROM dashboard_day_counts;
        DELETE FROM dashboard_task_days;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION dashboard_days_measures_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM dashboard_days_refresh(ARRAY(
        SELECT t.id
        FROM new_rows n
        JOIN old_rows o ON o.id = n.id
        JOIN tasks t ON t.measure_id = n.id
        WHERE n.section_id IS DISTINCT FROM o.section_id));
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION dashboard_days_zone_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM dashboard_days_rebuild();
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS dashboard_days_states_inserted ON task_event_states;
DROP TRIGGER IF EXISTS dashboard_days_states_deleted ON task_event_states;
DROP TRIGGER IF EXISTS dashboard_days_tasks_inserted ON tasks;
DROP TRIGGER IF EXISTS dashboard_days_tasks_updated ON tasks;
DROP TRIGGER IF EXISTS dashboard_days_tasks_deleted ON tasks;
DROP TRIGGER IF EXISTS dashboard_days_tasks_truncated ON tasks;
DROP TRIGGER IF EXISTS dashboard_days_measures_updated ON measures;
DROP TRIGGER IF EXISTS dashboard_days_zone_updated ON dashboard_zone;

CREATE TRIGGER dashboard_days_states_inserted AFTER INSERT ON task_event_states
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_days_states_changed();
CREATE TRIGGER dashboard_days_states_deleted AFTER DELETE ON task_event_states
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_days_states_changed();
CREATE TRIGGER dashboard_days_tasks_inserted AFTER INSERT ON tasks
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_days_tasks_changed();
CREATE TRIGGER dashboard_days_tasks_updated AFTER UPDATE ON tasks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_days_tasks_changed();
CREATE TRIGGER dashboard_days_tasks_deleted AFTER DELETE ON tasks
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_days_tasks_changed();
CREATE TRIGGER dashboard_days_tasks_truncated AFTER TRUNCATE ON tasks
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_days_tasks_changed();
CREATE TRIGGER dashboard_days_measures_updated AFTER UPDATE ON measures
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_days_measures_changed();
CREATE TRIGGER dashboard_days_zone_updated AFTER UPDATE ON dashboard_zone
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_days_zone_changed();

-- The read side. Whether the sums by day can answer for day as_of: a session
-- in dashboard_zone's days (the daemon's default zone).
CREATE OR REPLACE FUNCTION dashboard_days_usable() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT current_setting('TimeZone') = (SELECT zone FROM dashboard_zone)
$$;

SELECT dashboard_days_rebuild();

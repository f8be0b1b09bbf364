-- The dashboards' aggregates (issue 15, item 1; tables of migrations 0029 and
-- 0030): each task's part (dashboard_task_parts), their sums by grain
-- (dashboard_counts) and the matrix's rows (dashboard_matrix_rows), kept
-- exact by triggers on every table they read, in the transaction of the
-- change, whatever function or statement makes it.
-- The triggers run as the owner (SECURITY DEFINER): the daemon's role still
-- writes no table. Re-applying this file rebuilds the three tables, so that a
-- changed rule here never leaves sums of the old one behind.

-- Each task's part now: its keys and static counts, and the first days on
-- which it is amber or red, red, and overdue ('-infinity': always; NULL:
-- never while it stays as it is). The same rules as task_rag_at() and
-- task_overdue() (definitions/11_task_rag.sql), solved for the day:
--   red       blocked or overridden red: always; done or overridden green or
--             amber: never; else the day after the due date;
--   amber     overridden amber: always; else (when not red) from 30 days before
--             the due date with progress under 50, or from the 91st day after
--             the last update, counted in dashboard_zone's days (updated_at <
--             day - 90 compares with that day's midnight there);
--   overdue   the day after the due date, unless done.
-- tests/e2e/test_dashboard_counts.py checks these against task_rag_at() on
-- random days.
CREATE OR REPLACE VIEW dashboard_task_parts_now AS
SELECT t.id AS task_id,
       m.section_id,
       t.agency_code,
       t.province_code,
       t.status,
       (t.receipt = 'unreceived')::int AS unreceived,
       (t.receipt = 'sent_back')::int AS sent_back,
       (EXISTS (SELECT 1 FROM extension_requests e WHERE e.task_id = t.id AND e.state = 'open'))::int AS ext_open,
       (EXISTS (SELECT 1 FROM extension_requests e WHERE e.task_id = t.id AND e.state = 'approved'))::int AS ext_approved,
       CASE x.fixed
           WHEN 'red' THEN '-infinity'::date
           WHEN 'amber' THEN '-infinity'::date
           WHEN 'green' THEN NULL::date
           ELSE least(t.due_date + 1,
                      CASE WHEN t.progress < 50 THEN t.due_date - 30 END,
                      (t.updated_at AT TIME ZONE (SELECT zone FROM dashboard_zone))::date + 91)
       END AS amber_or_red_from,
       CASE x.fixed
           WHEN 'red' THEN '-infinity'::date
           WHEN 'amber' THEN NULL::date
           WHEN 'green' THEN NULL::date
           ELSE t.due_date + 1
       END AS red_from,
       CASE WHEN t.status NOT IN ('completed', 'verified') THEN t.due_date + 1 END AS overdue_from,
       t.measure_id,
       t.role
FROM tasks t
JOIN measures m ON m.id = t.measure_id
CROSS JOIN LATERAL (SELECT coalesce(t.rag_override,
                                    CASE WHEN t.status = 'blocked' THEN 'red'
                                         WHEN t.status IN ('completed', 'verified') THEN 'green' END) AS fixed) x;

-- Brings the parts of tasks p_ids (changed, added or gone) up to date and
-- adds the difference to the sums: each part as it was comes out (-1), as it
-- is goes in (+1), on the days its counts change. The difference goes into
-- rows of this transaction's own (part: its id), which no other writer
-- shares, so that changes of different tasks never wait for each other here,
-- and at the finest grain (4) only: dashboard_sums_fold() adds them into the
-- kept rows (part 0) of every grain after commit, and until then every
-- reader adds them up with the rest, a coarser grain's under its keys. Rows
-- at every grain cost a status change 60 more upserts (25 rows and 50 rows
-- by day instead of 5 and 10), a fifth of its CPU.
-- One plan for every call: a custom plan per call cost 5 ms of planning for
-- under 1 ms of work, on every write.
CREATE OR REPLACE FUNCTION dashboard_counts_refresh(p_ids bigint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    me bigint := txid_current();
    touched dashboard_counts[];
    measures_was integer[];
BEGIN
    IF p_ids IS NULL OR cardinality(p_ids) = 0 THEN
        RETURN;
    END IF;
    -- These tasks' parts, locked in id order before they are read: a
    -- second writer of the same task (an extension request while the task
    -- changes) waits here, and its next statement sees the first one's
    -- parts and tasks as committed, not a snapshot from before.
    PERFORM 1 FROM dashboard_task_parts WHERE task_id = ANY (p_ids) ORDER BY task_id FOR UPDATE;
    -- The measures whose matrix rows hold these tasks, before and after.
    measures_was := ARRAY(SELECT measure_id FROM dashboard_task_parts WHERE task_id = ANY (p_ids));
    WITH now_parts AS (
        SELECT * FROM dashboard_task_parts_now WHERE task_id = ANY (p_ids)
    ),
    was AS (
        SELECT * FROM dashboard_task_parts WHERE task_id = ANY (p_ids)
    ),
    kept AS (
        INSERT INTO dashboard_task_parts AS d
        SELECT * FROM now_parts
        ON CONFLICT (task_id) DO UPDATE
        SET section_id = excluded.section_id,
            agency_code = excluded.agency_code,
            province_code = excluded.province_code,
            status = excluded.status,
            unreceived = excluded.unreceived,
            sent_back = excluded.sent_back,
            ext_open = excluded.ext_open,
            ext_approved = excluded.ext_approved,
            amber_or_red_from = excluded.amber_or_red_from,
            red_from = excluded.red_from,
            overdue_from = excluded.overdue_from,
            measure_id = excluded.measure_id,
            role = excluded.role
        RETURNING 1
    ),
    gone AS (
        DELETE FROM dashboard_task_parts d
        WHERE d.task_id = ANY (p_ids)
          AND NOT EXISTS (SELECT 1 FROM now_parts n WHERE n.task_id = d.task_id)
        RETURNING 1
    ),
    parts AS (
        SELECT 1 AS sign, * FROM now_parts
        UNION ALL
        SELECT -1, * FROM was
    ),
    delta AS (
        -- At the finest grain only: the folder adds each part in at every
        -- grain, and until then readers of a coarser grain count it under
        -- their keys (fragments/dashboard_counts.sql).
        SELECT 4::smallint AS grain,
               p.section_id,
               p.agency_code,
               p.province_code,
               p.status,
               k.day,
               sum(p.sign * k.tasks) AS tasks,
               sum(p.sign * k.unreceived) AS unreceived,
               sum(p.sign * k.sent_back) AS sent_back,
               sum(p.sign * k.ext_open) AS ext_open,
               sum(p.sign * k.ext_approved) AS ext_approved,
               sum(p.sign * k.amber_or_red) AS rag_amber_or_red,
               sum(p.sign * k.red) AS rag_red,
               sum(p.sign * k.overdue) AS overdue
        FROM parts p
        CROSS JOIN LATERAL (VALUES ('-infinity'::date, 1, p.unreceived, p.sent_back, p.ext_open, p.ext_approved, 0, 0, 0),
                                   (p.amber_or_red_from, 0, 0, 0, 0, 0, 1, 0, 0),
                                   (p.red_from, 0, 0, 0, 0, 0, 0, 1, 0),
                                   (p.overdue_from, 0, 0, 0, 0, 0, 0, 0, 1))
                    AS k(day, tasks, unreceived, sent_back, ext_open, ext_approved, amber_or_red, red, overdue)
        WHERE k.day IS NOT NULL
        GROUP BY 1, 2, 3, 4, 5, 6
        HAVING sum(p.sign * k.tasks) <> 0 OR sum(p.sign * k.unreceived) <> 0 OR sum(p.sign * k.sent_back) <> 0
            OR sum(p.sign * k.ext_open) <> 0 OR sum(p.sign * k.ext_approved) <> 0
            OR sum(p.sign * k.amber_or_red) <> 0 OR sum(p.sign * k.red) <> 0 OR sum(p.sign * k.overdue) <> 0
    ),
    added AS (
        -- A conflict is with this transaction's own row (an earlier change of
        -- it): never a wait.
        INSERT INTO dashboard_counts AS c (grain, section_id, agency_code, province_code, status, day, tasks,
                                           unreceived, sent_back, ext_open, ext_approved, rag_amber_or_red,
                                           rag_red, overdue, part)
        SELECT *, me FROM delta
        ON CONFLICT (grain, section_id, agency_code, province_code, status, day, part) DO UPDATE
        SET tasks = c.tasks + excluded.tasks,
            unreceived = c.unreceived + excluded.unreceived,
            sent_back = c.sent_back + excluded.sent_back,
            ext_open = c.ext_open + excluded.ext_open,
            ext_approved = c.ext_approved + excluded.ext_approved,
            rag_amber_or_red = c.rag_amber_or_red + excluded.rag_amber_or_red,
            rag_red = c.rag_red + excluded.rag_red,
            overdue = c.overdue + excluded.overdue
        RETURNING c.*
    )
    SELECT array_agg(ROW(a.*)::dashboard_counts) INTO touched
    FROM added a
    WHERE a.tasks = 0 AND a.unreceived = 0 AND a.sent_back = 0 AND a.ext_open = 0 AND a.ext_approved = 0
      AND a.rag_amber_or_red = 0 AND a.rag_red = 0 AND a.overdue = 0;

    PERFORM dashboard_matrix_touch(measures_was
                                   || ARRAY(SELECT measure_id FROM dashboard_task_parts WHERE task_id = ANY (p_ids)));

    -- A row of this transaction's that came to nothing (a change undone by
    -- the next) goes.
    IF touched IS NOT NULL THEN
        DELETE FROM dashboard_counts c
        USING unnest(touched) k
        WHERE c.grain = k.grain AND c.section_id = k.section_id AND c.agency_code = k.agency_code
          AND c.province_code = k.province_code AND c.status = k.status AND c.day = k.day AND c.part = me;
    END IF;
END
$$;
-- Only the triggers call it: the daemon's role has no use for it.
REVOKE EXECUTE ON FUNCTION dashboard_counts_refresh(bigint[]) FROM PUBLIC, policytrack_app;

-- The matrix's row of measure p_measure on day p_day (dashboard_zone's), from
-- its tasks' parts: byte for byte what sql/dashboards/dashboard_matrix.sql
-- writes for it over the current tasks without filters (a member for every
-- province), and the first day after p_day on which a rating in it changes
-- (NULL: none will while its tasks stay as they are). No row for a measure
-- without tasks. A task's rating on a day, from its part: red from red_from,
-- else amber from amber_or_red_from, else green (the sums' rule).
-- PL/pgSQL for its kept plan: as a SQL function it was planned again on
-- every call, 1.8 ms of a 2.1 ms call at 20,000 tasks (0.26 ms now), paid
-- by every task change and by readers rebuilding a row.
CREATE OR REPLACE FUNCTION dashboard_matrix_row(p_measure integer, p_day date, OUT row_json text, OUT turns_on date)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    WITH f AS (
        SELECT p.*,
               CASE WHEN p.red_from <= p_day THEN 'red'
                    WHEN p.amber_or_red_from <= p_day THEN 'amber'
                    ELSE 'green' END AS rag
        FROM dashboard_task_parts p
        WHERE p.measure_id = p_measure
    ),
    cells AS (
        SELECT f.province_code,
               json_build_object(
                   'status', (array_agg(f.status ORDER BY f.agency_code) FILTER (WHERE f.role = 'lead'))[1],
                   'rag', (array_agg(f.rag ORDER BY f.agency_code) FILTER (WHERE f.role = 'lead'))[1],
                   'tasks', count(*),
                   'support', coalesce(json_agg(json_build_object('agency', f.agency_code,
                                                                  'status', f.status,
                                                                  'rag', f.rag)
                                                ORDER BY f.agency_code) FILTER (WHERE f.role = 'support'),
                                       '[]')) AS cell
        FROM f
        GROUP BY f.province_code
    )
    SELECT json_object_concat(json_build_object('document', d.code,
                                                'measure', m.code,
                                                'text_zh', m.text_zh),
                              json_object_agg(p.code, c.cell ORDER BY p.sort_order))::text,
           (SELECT min(x) FROM f CROSS JOIN unnest(ARRAY[f.amber_or_red_from, f.red_from]) x WHERE x > p_day)
    FROM measures m
    JOIN documents d ON d.id = m.document_id
    CROSS JOIN provinces p
    LEFT JOIN cells c ON c.province_code = p.code
    WHERE m.id = p_measure
      AND EXISTS (SELECT 1 FROM f)
    GROUP BY m.id, d.code
    INTO row_json, turns_on;
END
$$;

-- A change of more measures than this (an import, a batch, a rebuild)
-- takes the whole matrix with one lock rather than one lock per measure:
-- at 200,000 tasks a rebuild named about 50,000 measures, and locks held to
-- commit come out of one shared table (max_locks_per_transaction times
-- max_connections, 6,400 by default), which it overflowed. Smaller changes
-- hold that one lock shared, so they wait only for such a change.
CREATE OR REPLACE FUNCTION dashboard_matrix_locks_max() RETURNS integer
LANGUAGE sql IMMUTABLE AS 'SELECT 64';

-- The matrix's rows as readers read them (sql/dashboards/dashboard_matrix*.sql):
-- the kept rows, a row marked by a writer (dashboard_matrix_touch()) reading
-- as past its day, so that the reader rebuilds it from the tasks' parts.
CREATE OR REPLACE VIEW dashboard_matrix_rows AS
SELECT k.measure_id, k.document_id, k.sort_order, k.section_id, k.row_json, k.computed_on,
       CASE WHEN EXISTS (SELECT 1 FROM dashboard_matrix_dirty d WHERE d.measure_id = k.measure_id)
            THEN '-infinity'::date ELSE k.turns_on END AS turns_on
FROM dashboard_matrix_kept k;
GRANT SELECT ON dashboard_matrix_rows TO policytrack_app;

-- A writer's change to the rows of measures p_measures: it marks each row,
-- in a row of its own (part: its transaction's id), and goes on. The mark
-- commits with the change, so a reader that sees the one sees the other and
-- rebuilds that row itself until the folder (dashboard_sums_fold(), every
-- 200 ms) has rebuilt it. Rebuilding the row in the writer's transaction
-- cost a status change about a tenth of its CPU (0.5-1 ms: the row's plan
-- and a lock per measure), where a mark costs one insert; a reader rebuilds
-- only the few rows marked since the last fold (0.26 ms each). More
-- measures than dashboard_matrix_locks_max() (an import, a re-assignment)
-- are rebuilt at once, as before: marks for all would leave every reader
-- the whole matrix to rebuild.
CREATE OR REPLACE FUNCTION dashboard_matrix_touch(p_measures integer[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    IF (SELECT count(DISTINCT u) FROM unnest(p_measures) u) > dashboard_matrix_locks_max() THEN
        PERFORM dashboard_matrix_refresh(p_measures);  -- every row at once: it waits
        RETURN;
    END IF;
    INSERT INTO dashboard_matrix_dirty (measure_id, part)
    SELECT DISTINCT u, txid_current() FROM unnest(p_measures) u WHERE u IS NOT NULL
    ON CONFLICT DO NOTHING;
END
$$;
REVOKE EXECUTE ON FUNCTION dashboard_matrix_touch(integer[]) FROM PUBLIC, policytrack_app;

-- Brings the matrix rows of measures p_measures up to date (today in
-- dashboard_zone). A measure without tasks loses its row. Each measure's row
-- is one writer's at a time: its lock (in id order, to commit) comes before
-- the row is computed, so that the statement computing it sees the tasks of
-- the writer before as committed (a row computed from an older snapshot
-- would drop that writer's change). Writers of other measures do not wait.
-- More measures than dashboard_matrix_locks_max() take the whole matrix
-- instead, waiting for every writer of a row.
-- Rows whose day has passed are dashboard_sums_fold()'s: readers rebuild
-- such a row themselves meanwhile.
CREATE OR REPLACE FUNCTION dashboard_matrix_refresh(p_measures integer[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    today date;
    ids integer[];
    one integer;
BEGIN
    ids := ARRAY(SELECT DISTINCT u FROM unnest(p_measures) u WHERE u IS NOT NULL ORDER BY u);
    IF cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    IF cardinality(ids) > dashboard_matrix_locks_max() THEN
        PERFORM pg_advisory_xact_lock(hashtext('dashboard_matrix_all'), 0);
    ELSE
        PERFORM pg_advisory_xact_lock_shared(hashtext('dashboard_matrix_all'), 0);
        FOREACH one IN ARRAY ids LOOP
            PERFORM pg_advisory_xact_lock(hashtext('dashboard_matrix_rows'), one);
        END LOOP;
    END IF;
    SELECT (now() AT TIME ZONE zone)::date INTO today FROM dashboard_zone;
    WITH n AS (
        SELECT m.id, m.document_id, m.sort_order, m.section_id, r.row_json, r.turns_on
        FROM measures m
        CROSS JOIN LATERAL dashboard_matrix_row(m.id, today) r
        WHERE m.id = ANY (ids)
          AND r.row_json IS NOT NULL
    ),
    gone AS (
        DELETE FROM dashboard_matrix_kept x
        WHERE x.measure_id = ANY (ids)
          AND NOT EXISTS (SELECT 1 FROM n WHERE n.id = x.measure_id)
    )
    INSERT INTO dashboard_matrix_kept AS x (measure_id, document_id, sort_order, section_id, row_json,
                                            computed_on, turns_on)
    SELECT id, document_id, sort_order, section_id, row_json, today, turns_on
    FROM n
    ORDER BY id
    ON CONFLICT (measure_id) DO UPDATE
    SET document_id = excluded.document_id,
        sort_order = excluded.sort_order,
        section_id = excluded.section_id,
        row_json = excluded.row_json,
        computed_on = excluded.computed_on,
        turns_on = excluded.turns_on;
END
$$;
REVOKE EXECUTE ON FUNCTION dashboard_matrix_refresh(integer[]) FROM PUBLIC, policytrack_app;

-- Adds the committed parts of the sums (rows with part <> 0, each a writer's
-- difference: dashboard_counts_refresh(), dashboard_days_refresh() of
-- definition 17) into the kept rows (part 0), in one short transaction: a
-- reader sees the parts or their sum, never both or neither. Only it writes
-- the kept rows, so writers never wait for it nor it for them (their parts
-- not committed yet are not in its view, and it leaves them). As the
-- writers did before: the touched groups' days before yesterday (in
-- dashboard_zone) go into '-infinity', being behind every reader for good
-- (earlier days are the scan's: as_of), and a kept row that comes to
-- nothing goes. Then the matrix rows whose day has passed, a few at a time,
-- so that readers stop rebuilding them. One folder at a time (a second
-- returns at once), and one that waits for no table lock. policytrackd calls it with its sequencer (pg/sealer.c);
-- readers are exact without it, only slower as parts pile up.
-- Returns how many parts it folded.
CREATE OR REPLACE FUNCTION dashboard_sums_fold() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    fold_before date;
    today date;
    folded bigint := 0;
    got bigint;
    touched dashboard_counts[];
    day_touched dashboard_day_counts[];
    marked integer[];
BEGIN
    IF NOT pg_try_advisory_xact_lock(7301958417) THEN
        RETURN 0;
    END IF;
    -- Nor does it wait for a table lock (a rebuild, a dump, a test holding
    -- the sums): it returns, and the next call folds.
    BEGIN
        LOCK TABLE dashboard_counts, dashboard_day_counts, dashboard_matrix_kept, dashboard_matrix_dirty
            IN ROW EXCLUSIVE MODE NOWAIT;
    EXCEPTION WHEN lock_not_available THEN
        RETURN 0;
    END;
    SELECT (now() AT TIME ZONE zone)::date, (now() AT TIME ZONE zone)::date - 1
    INTO today, fold_before FROM dashboard_zone;

    WITH parts AS (
        DELETE FROM dashboard_counts WHERE part <> 0 RETURNING *
    ),
    -- A writer's part is at the finest grain (4) and counts at every grain
    -- (a part at another grain, had one been left, at its own).
    sums AS (
        SELECT g.grain,
               CASE WHEN g.grain IN (3, 4) THEN p.section_id ELSE 0 END AS section_id,
               CASE WHEN g.grain IN (1, 4) THEN p.agency_code ELSE '' END AS agency_code,
               CASE WHEN g.grain IN (2, 4) THEN p.province_code ELSE '' END AS province_code,
               p.status,
               CASE WHEN p.day < fold_before THEN '-infinity'::date ELSE p.day END AS day,
               sum(p.tasks) AS tasks, sum(p.unreceived) AS unreceived, sum(p.sent_back) AS sent_back,
               sum(p.ext_open) AS ext_open, sum(p.ext_approved) AS ext_approved,
               sum(p.rag_amber_or_red) AS rag_amber_or_red, sum(p.rag_red) AS rag_red, sum(p.overdue) AS overdue
        FROM parts p
        CROSS JOIN LATERAL (SELECT x FROM generate_series(0, 3) x WHERE p.grain = 4
                            UNION ALL
                            SELECT p.grain) g(grain)
        GROUP BY 1, 2, 3, 4, 5, 6
    ),
    added AS (
        INSERT INTO dashboard_counts AS c (grain, section_id, agency_code, province_code, status, day, tasks,
                                           unreceived, sent_back, ext_open, ext_approved, rag_amber_or_red,
                                           rag_red, overdue, part)
        SELECT grain, section_id, agency_code, province_code, status, day, tasks, unreceived, sent_back,
               ext_open, ext_approved, rag_amber_or_red, rag_red, overdue, 0
        FROM sums
        ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (grain, section_id, agency_code, province_code, status, day, part) DO UPDATE
        SET tasks = c.tasks + excluded.tasks,
            unreceived = c.unreceived + excluded.unreceived,
            sent_back = c.sent_back + excluded.sent_back,
            ext_open = c.ext_open + excluded.ext_open,
            ext_approved = c.ext_approved + excluded.ext_approved,
            rag_amber_or_red = c.rag_amber_or_red + excluded.rag_amber_or_red,
            rag_red = c.rag_red + excluded.rag_red,
            overdue = c.overdue + excluded.overdue
        RETURNING c.*
    )
    SELECT (SELECT count(*) FROM parts), (SELECT array_agg(ROW(a.*)::dashboard_counts) FROM added a)
    INTO got, touched;
    folded := folded + coalesce(got, 0);

    IF touched IS NOT NULL THEN
        WITH k AS (
            SELECT DISTINCT grain, section_id, agency_code, province_code, status FROM unnest(touched)
        ),
        old AS (
            DELETE FROM dashboard_counts c
            USING k
            WHERE c.grain = k.grain AND c.section_id = k.section_id AND c.agency_code = k.agency_code
              AND c.province_code = k.province_code AND c.status = k.status
              AND c.day > '-infinity' AND c.day < fold_before AND c.part = 0
            RETURNING c.*
        )
        INSERT INTO dashboard_counts AS c (grain, section_id, agency_code, province_code, status, day, tasks,
                                           unreceived, sent_back, ext_open, ext_approved, rag_amber_or_red,
                                           rag_red, overdue, part)
        SELECT grain, section_id, agency_code, province_code, status, '-infinity'::date, sum(tasks),
               sum(unreceived), sum(sent_back), sum(ext_open), sum(ext_approved), sum(rag_amber_or_red),
               sum(rag_red), sum(overdue), 0
        FROM old
        GROUP BY grain, section_id, agency_code, province_code, status
        ORDER BY grain, section_id, agency_code, province_code, status
        ON CONFLICT (grain, section_id, agency_code, province_code, status, day, part) DO UPDATE
        SET tasks = c.tasks + excluded.tasks,
            unreceived = c.unreceived + excluded.unreceived,
            sent_back = c.sent_back + excluded.sent_back,
            ext_open = c.ext_open + excluded.ext_open,
            ext_approved = c.ext_approved + excluded.ext_approved,
            rag_amber_or_red = c.rag_amber_or_red + excluded.rag_amber_or_red,
            rag_red = c.rag_red + excluded.rag_red,
            overdue = c.overdue + excluded.overdue;

        -- A kept row that came to nothing goes: one the fold just changed, or
        -- a group's '-infinity' row after moving its days (by key: a group's
        -- other days are not read again).
        DELETE FROM dashboard_counts c
        USING (SELECT grain, section_id, agency_code, province_code, status, day FROM unnest(touched)
               UNION
               SELECT grain, section_id, agency_code, province_code, status, '-infinity'::date FROM unnest(touched)) k
        WHERE c.grain = k.grain AND c.section_id = k.section_id AND c.agency_code = k.agency_code
          AND c.province_code = k.province_code AND c.status = k.status AND c.day = k.day AND c.part = 0
          AND c.tasks = 0 AND c.unreceived = 0 AND c.sent_back = 0 AND c.ext_open = 0 AND c.ext_approved = 0
          AND c.rag_amber_or_red = 0 AND c.rag_red = 0 AND c.overdue = 0;
    END IF;

    -- The sums by day: history, so no day moves.
    WITH parts AS (
        DELETE FROM dashboard_day_counts WHERE part <> 0 RETURNING *
    ),
    sums AS (
        SELECT g.grain,
               CASE WHEN g.grain IN (3, 4) THEN p.section_id ELSE 0 END AS section_id,
               CASE WHEN g.grain IN (1, 4) THEN p.agency_code ELSE '' END AS agency_code,
               CASE WHEN g.grain IN (2, 4) THEN p.province_code ELSE '' END AS province_code,
               p.status, p.span, p.day,
               sum(p.tasks) AS tasks, sum(p.red) AS red, sum(p.amber) AS amber, sum(p.overdue) AS overdue
        FROM parts p
        CROSS JOIN LATERAL (SELECT x FROM generate_series(0, 3) x WHERE p.grain = 4
                            UNION ALL
                            SELECT p.grain) g(grain)
        GROUP BY 1, 2, 3, 4, 5, 6, 7
    ),
    added AS (
        INSERT INTO dashboard_day_counts AS c (grain, section_id, agency_code, province_code, status, span, day,
                                               tasks, red, amber, overdue, part)
        SELECT grain, section_id, agency_code, province_code, status, span, day, tasks, red, amber, overdue, 0
        FROM sums
        ORDER BY 1, 2, 3, 4, 5, 6, 7
        ON CONFLICT (grain, section_id, agency_code, province_code, status, span, day, part) DO UPDATE
        SET tasks = c.tasks + excluded.tasks,
            red = c.red + excluded.red,
            amber = c.amber + excluded.amber,
            overdue = c.overdue + excluded.overdue
        RETURNING c.*
    )
    SELECT (SELECT count(*) FROM parts),
           (SELECT array_agg(ROW(a.*)::dashboard_day_counts) FROM added a
            WHERE a.tasks = 0 AND a.red = 0 AND a.amber = 0 AND a.overdue = 0)
    INTO got, day_touched;
    folded := folded + coalesce(got, 0);
    IF day_touched IS NOT NULL THEN
        DELETE FROM dashboard_day_counts c
        USING unnest(day_touched) k
        WHERE c.grain = k.grain AND c.section_id = k.section_id AND c.agency_code = k.agency_code
          AND c.province_code = k.province_code AND c.status = k.status AND c.span = k.span
          AND c.day = k.day AND c.part = 0;
    END IF;

    -- The marked rows (the marks this transaction sees: a mark committed
    -- later stays for the next fold), and rows past their day.
    WITH marks AS (
        DELETE FROM dashboard_matrix_dirty RETURNING measure_id
    )
    SELECT array_agg(DISTINCT measure_id) INTO marked FROM marks;
    PERFORM dashboard_matrix_refresh(coalesce(marked, '{}')
                                     || ARRAY(SELECT measure_id FROM dashboard_matrix_kept
                                              WHERE turns_on <= today ORDER BY turns_on LIMIT 50));
    RETURN folded;
END
$$;
REVOKE EXECUTE ON FUNCTION dashboard_sums_fold() FROM PUBLIC;
-- The daemon folds (pg/sealer.c), as it seals.
GRANT EXECUTE ON FUNCTION dashboard_sums_fold() TO policytrack_app;

-- The three tables again from the tasks, under a lock that holds writers off
-- (and the folder: the sums are left folded).
CREATE OR REPLACE FUNCTION dashboard_counts_rebuild() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    LOCK TABLE tasks, measures, extension_requests, dashboard_zone, provinces, documents IN SHARE MODE;
    PERFORM pg_advisory_xact_lock(7301958417);
    TRUNCATE dashboard_counts, dashboard_task_parts, dashboard_matrix_kept, dashboard_matrix_dirty;
    PERFORM dashboard_counts_refresh(ARRAY(SELECT id FROM tasks));
    PERFORM dashboard_sums_fold();
END
$$;
REVOKE EXECUTE ON FUNCTION dashboard_counts_rebuild() FROM PUBLIC, policytrack_app;

-- The triggers: statement-level, with the changed rows as transition tables,
-- so that an import or a batch of thousands refreshes in one pass.
CREATE OR REPLACE FUNCTION dashboard_counts_tasks_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM dashboard_counts_refresh(ARRAY(SELECT id FROM new_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM dashboard_counts_refresh(ARRAY(SELECT id FROM new_rows UNION SELECT id FROM old_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM dashboard_counts_refresh(ARRAY(SELECT id FROM old_rows));
    ELSE
        -- TRUNCATE: nothing is left to count or show.
        DELETE FROM dashboard_counts;
        DELETE FROM dashboard_task_parts;
        DELETE FROM dashboard_matrix_kept;
        DELETE FROM dashboard_matrix_dirty;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION dashboard_counts_extensions_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM dashboard_counts_refresh(ARRAY(SELECT task_id FROM new_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM dashboard_counts_refresh(ARRAY(SELECT task_id FROM new_rows UNION SELECT task_id FROM old_rows));
    ELSE
        PERFORM dashboard_counts_refresh(ARRAY(SELECT task_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$$;

-- A measure moved to another section moves its tasks; a matrix row shows
-- its measure's code, text, document and place.
CREATE OR REPLACE FUNCTION dashboard_counts_measures_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM dashboard_counts_refresh(ARRAY(
        SELECT t.id
        FROM new_rows n
        JOIN old_rows o ON o.id = n.id
        JOIN tasks t ON t.measure_id = n.id
        WHERE n.section_id IS DISTINCT FROM o.section_id));
    PERFORM dashboard_matrix_refresh(ARRAY(
        SELECT n.id
        FROM new_rows n
        JOIN old_rows o ON o.id = n.id
        WHERE (n.code, n.text_zh, n.document_id, n.sort_order, n.section_id)
              IS DISTINCT FROM (o.code, o.text_zh, o.document_id, o.sort_order, o.section_id)));
    RETURN NULL;
END
$$;

-- Every matrix row has a member per province, in their order; each names
-- its document's code.
CREATE OR REPLACE FUNCTION dashboard_matrix_catalogue_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_TABLE_NAME = 'documents' THEN
        PERFORM dashboard_matrix_refresh(ARRAY(
            SELECT r.measure_id
            FROM new_rows n
            JOIN old_rows o ON o.id = n.id
            JOIN dashboard_matrix_kept r ON r.document_id = n.id
            WHERE n.code IS DISTINCT FROM o.code));
    ELSE
        PERFORM dashboard_matrix_refresh(ARRAY(SELECT measure_id FROM dashboard_matrix_kept));
    END IF;
    RETURN NULL;
END
$$;

-- Another zone: every stale day moves.
CREATE OR REPLACE FUNCTION dashboard_counts_zone_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM dashboard_counts_rebuild();
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS dashboard_counts_tasks_inserted ON tasks;
DROP TRIGGER IF EXISTS dashboard_counts_tasks_updated ON tasks;
DROP TRIGGER IF EXISTS dashboard_counts_tasks_deleted ON tasks;
DROP TRIGGER IF EXISTS dashboard_counts_tasks_truncated ON tasks;
DROP TRIGGER IF EXISTS dashboard_counts_extensions_inserted ON extension_requests;
DROP TRIGGER IF EXISTS dashboard_counts_extensions_updated ON extension_requests;
DROP TRIGGER IF EXISTS dashboard_counts_extensions_deleted ON extension_requests;
DROP TRIGGER IF EXISTS dashboard_counts_measures_updated ON measures;
DROP TRIGGER IF EXISTS dashboard_counts_zone_updated ON dashboard_zone;
DROP TRIGGER IF EXISTS dashboard_matrix_provinces_changed ON provinces;
DROP TRIGGER IF EXISTS dashboard_matrix_documents_updated ON documents;

CREATE TRIGGER dashboard_counts_tasks_inserted AFTER INSERT ON tasks
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_counts_tasks_changed();
CREATE TRIGGER dashboard_counts_tasks_updated AFTER UPDATE ON tasks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_counts_tasks_changed();
CREATE TRIGGER dashboard_counts_tasks_deleted AFTER DELETE ON tasks
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_counts_tasks_changed();
CREATE TRIGGER dashboard_counts_tasks_truncated AFTER TRUNCATE ON tasks
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_counts_tasks_changed();
CREATE TRIGGER dashboard_counts_extensions_inserted AFTER INSERT ON extension_requests
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_counts_extensions_changed();
CREATE TRIGGER dashboard_counts_extensions_updated AFTER UPDATE ON extension_requests
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_counts_extensions_changed();
CREATE TRIGGER dashboard_counts_extensions_deleted AFTER DELETE ON extension_requests
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_counts_extensions_changed();
CREATE TRIGGER dashboard_counts_measures_updated AFTER UPDATE ON measures
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_counts_measures_changed();
CREATE TRIGGER dashboard_counts_zone_updated AFTER UPDATE ON dashboard_zone
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_counts_zone_changed();
CREATE TRIGGER dashboard_matrix_provinces_changed AFTER INSERT OR UPDATE OR DELETE ON provinces
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_matrix_catalogue_changed();
CREATE TRIGGER dashboard_matrix_documents_updated AFTER UPDATE ON documents
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_matrix_catalogue_changed();

-- The read side (sql/dashboards/dashboard_*_counts.sql). Whether the sums
-- can answer: in dashboard_zone's days, now (these sums) or as of a day
-- (dashboard_day_counts, definitions/17_dashboard_days.sql). When not, the
-- statement answers NULL and the daemon sends the dashboard's scan
-- (dashboard_summary, ...), as it did before the sums.
CREATE OR REPLACE FUNCTION dashboard_counts_usable(as_of date) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT current_setting('TimeZone') = (SELECT zone FROM dashboard_zone)
$$;

-- The coarsest grain that holds the keys a dashboard groups or filters by.
CREATE OR REPLACE FUNCTION dashboard_grain(by_agency boolean, by_province boolean, by_section boolean)
RETURNS smallint
LANGUAGE sql IMMUTABLE AS $$
    SELECT (CASE WHEN by_agency::int + by_province::int + by_section::int > 1 THEN 4
                 WHEN by_agency THEN 1
                 WHEN by_province THEN 2
                 WHEN by_section THEN 3
                 ELSE 0 END)::smallint
$$;

SELECT dashboard_counts_rebuild();

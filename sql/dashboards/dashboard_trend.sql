-- How many tasks were in each status at the end of each month or quarter (GET /api/v1/dashboard/trend), rebuilt from the audit trail.
-- $1 agency text: only this agency's tasks (NULL: every agency's)
-- $2 province text: only this province's tasks (NULL: every province's)
-- $3 section text: only the tasks of this chapter or part (NULL: all)
-- $4 from date: the first point is the end of this day's month (or quarter)
-- $5 to date: the last point, this day itself
-- $6 interval text: month or quarter
-- $7 document text: only the tasks of this document, by its code (NULL: every document's)
-- returns: the answer's JSON, NULL when from and to span more than 120 points; the filter that names nothing ('document', 'agency', 'province', 'section'), a section ambiguous or not in the document, or NULL
--
-- The counts tasks_as_of() would give at each point, without rebuilding
-- every task at every point (24 s for a year of months at 20,000 tasks and
-- 1M events): one pass over when each task's status changed
-- (task_event_states, migration 0012). A status holds from its change until
-- the next, and a task counts from its creation, not_started until its first
-- change. Point i holds what happened before its day ended, `th[i]`;
-- width_bucket(x, th) is how many of those ends are at or before x, so a run
-- [at, until) of a task created at c counts at points max(wb(at), wb(c)) + 1
-- to wb(until): +1 at the first, -1 after the last, summed up to each point.
-- A task whose events are out of time order (`odd`: a clock stepped back)
-- takes tasks_as_of()'s slow path, task_field_at(), at each point.
WITH
{{trend_points}},
th AS (
    SELECT array_agg((day + 1)::timestamptz ORDER BY day) AS th, count(*) AS n
    FROM points
),
ft AS (
    SELECT t.id, t.created_at
    FROM tasks t
    JOIN measures m ON m.id = t.measure_id
    JOIN sections s ON s.id = m.section_id
    WHERE {{dashboard_filter}}
      AND ($7::text IS NULL OR m.document_id = (SELECT id FROM documents WHERE code = $7))
),
odd AS (
    SELECT coalesce(array_agg(o.task_id), '{}') AS ids
    FROM task_event_states o
    WHERE o.out_of_order
),
born AS MATERIALIZED (
    SELECT width_bucket(f.created_at, th.th) + 1 AS i, count(*) AS n
    FROM ft f
    CROSS JOIN th
    GROUP BY 1
),
runs AS (
    SELECT f.created_at,
           x.at,
           lead(x.at) OVER (PARTITION BY x.task_id ORDER BY x.at, x.event_id) AS until,
           coalesce(x.status, 'not_started') AS status
    FROM ft f
    JOIN task_event_states x ON x.task_id = f.id AND x.sets_status
    WHERE f.id <> ALL ((SELECT ids FROM odd)::bigint[])
),
spans AS (
    SELECT r.status,
           greatest(width_bucket(r.at, th.th), width_bucket(r.created_at, th.th)) + 1 AS lo,
           coalesce(width_bucket(r.until, th.th), th.n) AS hi
    FROM runs r
    CROSS JOIN th
    UNION ALL
    SELECT coalesce(task_field_at(f.id, 'status', p.day) #>> '{}', 'not_started'), p.i, p.i
    FROM pts p
    JOIN ft f ON f.created_at < p.day + 1 AND f.id = ANY ((SELECT ids FROM odd)::bigint[])
),
steps AS MATERIALIZED (
    SELECT status, i, sum(d)::bigint AS d
    FROM (SELECT status, lo AS i, 1 AS d FROM spans WHERE lo <= hi
          UNION ALL
          SELECT status, hi + 1, -1 FROM spans WHERE lo <= hi) x
    GROUP BY status, i
),
/* At each point, how many tasks had changed to each status by its end, and
   to any but the first (not_started). */
at_point AS (
    SELECT p.i,
           jsonb_object_agg(x.status, x.n) AS by_status,
           sum(x.n) FILTER (WHERE x.status <> 'not_started') AS changed
    FROM pts p
    CROSS JOIN LATERAL (SELECT s.status, sum(s.d) AS n
                        FROM steps s
                        WHERE s.i <= p.i
                        GROUP BY s.status) x
    GROUP BY p.i
),
/* A point's counts by status of the workflow, in its order: the tasks
   created by then that had not changed yet are in the first status. */
rows AS (
    SELECT p.day,
           json_object_concat(
               json_build_object('day', p.day, 'tasks', b.tasks),
               (SELECT json_object_agg(ts.status,
                                       CASE WHEN ts.status = 'not_started'
                                            THEN b.tasks - coalesce(a.changed, 0)
                                            ELSE coalesce((a.by_status ->> ts.status)::bigint, 0) END
                                       ORDER BY ts.sort_order)
                FROM task_statuses ts)) AS j
    FROM pts p
    CROSS JOIN LATERAL (SELECT coalesce(sum(b.n), 0)::bigint AS tasks FROM born b WHERE b.i <= p.i) b
    LEFT JOIN at_point a ON a.i = p.i
)
SELECT CASE WHEN (SELECT count(*) FROM points) > 120 THEN NULL
            ELSE json_build_object('interval', $6::text,
                                   'rows', (SELECT coalesce(json_agg(j ORDER BY day), '[]') FROM rows))::text
       END,
       catalogue_filter_problem($7, $1, $2, $3, NULL)

-- GET /api/v1/dashboard/trend added up from the sums by day (dashboard_day_counts, definitions/17_dashboard_days.sql) instead of rebuilt from the audit trail; the same answer as dashboard_trend, which the daemon sends instead when this one has none.
-- $1 agency text: only this agency's tasks (NULL: every agency's)
-- $2 province text: only this province's tasks (NULL: every province's)
-- $3 section text: only the tasks of this chapter or part (NULL: all)
-- $4 from date: the first point is the end of this day's month (or quarter)
-- $5 to date: the last point, this day itself
-- $6 interval text: month or quarter
-- $7 document text: only the tasks of this document, by its code (NULL: every document's)
-- returns: the answer's JSON, NULL when from and to span more than 120 points or when the sums cannot answer (a session in another zone than dashboard_zone's: dashboard_trend runs then, and says which); the filter that names nothing ('document', 'agency', 'province', 'section'), a section ambiguous or not in the document, or NULL
WITH
{{trend_points}},
th AS (
    SELECT array_agg(day ORDER BY day) AS th, max(day) AS last
    FROM pts
),
grain AS (
    SELECT dashboard_grain($1::text IS NOT NULL, $2::text IS NOT NULL, $3::text IS NOT NULL OR $7::text IS NOT NULL) AS grain
),
/* The rows up to the last point, each counted from the first point at or
   after its last day: width_bucket(day - 1, th) is how many points come
   before it. Whole months before the last point's month (every point but the
   last is a month's end), then that month's days. Writers' parts not folded
   yet are at the finest grain (4) only, and count at any grain: the filters
   below read their keys as they are. */
y AS (
    SELECT y.*, (y.day + interval '1 month' - interval '1 day')::date AS last_day
    FROM dashboard_day_counts y
    CROSS JOIN th
    WHERE y.grain = (SELECT grain FROM grain)
          AND y.span = 1
          AND y.day < date_trunc('month', th.last)::date
    UNION ALL
    SELECT y.*, y.day
    FROM dashboard_day_counts y
    CROSS JOIN th
    WHERE y.grain = (SELECT grain FROM grain)
          AND y.span = 0
          AND y.day >= date_trunc('month', th.last)::date
          AND y.day <= th.last
    UNION ALL
    SELECT y.*, CASE WHEN y.span = 1 THEN (y.day + interval '1 month' - interval '1 day')::date ELSE y.day END
    FROM dashboard_day_counts y
    CROSS JOIN th
    WHERE y.part <> 0
          AND y.grain = 4
          AND (SELECT grain FROM grain) <> 4
          AND (y.span = 1 AND y.day < date_trunc('month', th.last)::date
               OR y.span = 0 AND y.day >= date_trunc('month', th.last)::date AND y.day <= th.last)
),
c AS (
    SELECT width_bucket(y.last_day - 1, th.th) + 1 AS i, y.status, sum(y.tasks) AS n
    FROM y
    CROSS JOIN th
    LEFT JOIN sections s ON s.id = y.section_id
    WHERE dashboard_counts_usable(NULL)
          AND ($1::text IS NULL OR y.agency_code = $1)
          AND ($2::text IS NULL OR y.province_code = $2)
          AND ($3::text IS NULL OR s.code = $3 OR s.code LIKE $3 || '.%')
          AND ($7::text IS NULL OR s.document_id = (SELECT id FROM documents WHERE code = $7))
    GROUP BY 1, 2
),
at_point AS (
    SELECT p.i, c.status, sum(c.n)::bigint AS n
    FROM pts p
    JOIN c ON c.i <= p.i
    GROUP BY p.i, c.status
),
rows AS (
    SELECT p.day,
           json_object_concat(
               json_build_object('day', p.day,
                                 'tasks', (SELECT coalesce(sum(a.n), 0)::bigint FROM at_point a WHERE a.i = p.i)),
               (SELECT json_object_agg(ts.status, coalesce(a.n, 0) ORDER BY ts.sort_order)
                FROM task_statuses ts
                LEFT JOIN at_point a ON a.i = p.i AND a.status = ts.status)) AS j
    FROM pts p
)
SELECT CASE WHEN (SELECT count(*) FROM points) > 120 OR NOT dashboard_counts_usable(NULL) THEN NULL
            ELSE json_build_object('interval', $6::text,
                                   'rows', (SELECT coalesce(json_agg(j ORDER BY day), '[]') FROM rows))::text
       END,
       catalogue_filter_problem($7, $1, $2, $3, NULL)

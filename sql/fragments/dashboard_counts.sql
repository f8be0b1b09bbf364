-- The rows of the sums a dashboard adds up instead of scanning the tasks (use
-- as `c`; definitions/15_dashboard_aggregates.sql and 17_dashboard_days.sql):
-- those of the grain the statement's CTE `grain` names that pass the filters
-- ($1 agency, $2 province, $3 section, $5 document, as dashboard_filter).
-- Now ($4 as_of NULL): dashboard_counts on the days up to today; as of a day:
-- dashboard_day_counts up to that day, the months before its month and its
-- month's days (no receipt or extension figures: they are not kept by day). No row when the sums cannot answer
-- (dashboard_counts_usable($4): another zone), and the daemon runs the
-- dashboard's scan instead. With the row's section's document, code and
-- chapter (NULL at the grains without sections). Writers' parts not folded
-- yet are at the finest grain (4) only: at a coarser grain they count under
-- its keys.
SELECT c.*,
       s.document_id,
       s.code AS section_code,
       s.chapter
/* Added up by group before the join with sections: the rows by day are many
   and the planner, not knowing how many, would read them once per section. */
FROM (SELECT u.grain, u.section_id, u.agency_code, u.province_code, u.status, sum(u.tasks) AS tasks,
             sum(u.unreceived) AS unreceived, sum(u.sent_back) AS sent_back, sum(u.ext_open) AS ext_open,
             sum(u.ext_approved) AS ext_approved, sum(u.rag_amber_or_red) AS rag_amber_or_red,
             sum(u.rag_red) AS rag_red, sum(u.overdue) AS overdue
      FROM (SELECT n.grain, n.section_id, n.agency_code, n.province_code, n.status, n.tasks, n.unreceived,
                   n.sent_back, n.ext_open, n.ext_approved, n.rag_amber_or_red, n.rag_red, n.overdue
            FROM dashboard_counts n
            WHERE $4::date IS NULL
                  AND n.grain = (SELECT grain FROM grain)
                  AND n.day <= current_date
            UNION ALL
            SELECT g.grain, CASE WHEN g.grain = 3 THEN n.section_id ELSE 0 END,
                   CASE WHEN g.grain = 1 THEN n.agency_code ELSE '' END,
                   CASE WHEN g.grain = 2 THEN n.province_code ELSE '' END, n.status, n.tasks, n.unreceived,
                   n.sent_back, n.ext_open, n.ext_approved, n.rag_amber_or_red, n.rag_red, n.overdue
            FROM dashboard_counts n
            CROSS JOIN grain g
            WHERE $4::date IS NULL
                  AND n.part <> 0
                  AND n.grain = 4
                  AND g.grain <> 4
                  AND n.day <= current_date
            UNION ALL
            SELECT y.grain, y.section_id, y.agency_code, y.province_code, y.status, y.tasks, 0, 0, 0, 0,
                   y.red + y.amber, y.red, y.overdue
            FROM dashboard_day_counts y
            WHERE $4::date IS NOT NULL
                  AND y.grain = (SELECT grain FROM grain)
                  AND y.span = 1
                  AND y.day < date_trunc('month', $4::date)::date
            UNION ALL
            SELECT y.grain, y.section_id, y.agency_code, y.province_code, y.status, y.tasks, 0, 0, 0, 0,
                   y.red + y.amber, y.red, y.overdue
            FROM dashboard_day_counts y
            WHERE $4::date IS NOT NULL
                  AND y.grain = (SELECT grain FROM grain)
                  AND y.span = 0
                  AND y.day >= date_trunc('month', $4::date)::date
                  AND y.day <= $4::date
            UNION ALL
            SELECT g.grain, CASE WHEN g.grain = 3 THEN y.section_id ELSE 0 END,
                   CASE WHEN g.grain = 1 THEN y.agency_code ELSE '' END,
                   CASE WHEN g.grain = 2 THEN y.province_code ELSE '' END, y.status, y.tasks, 0, 0, 0, 0,
                   y.red + y.amber, y.red, y.overdue
            FROM dashboard_day_counts y
            CROSS JOIN grain g
            WHERE $4::date IS NOT NULL
                  AND y.part <> 0
                  AND y.grain = 4
                  AND g.grain <> 4
                  AND (y.span = 1 AND y.day < date_trunc('month', $4::date)::date
                       OR y.span = 0 AND y.day >= date_trunc('month', $4::date)::date AND y.day <= $4::date)) u
      GROUP BY u.grain, u.section_id, u.agency_code, u.province_code, u.status) c
LEFT JOIN sections s ON s.id = c.section_id
WHERE dashboard_counts_usable($4::date)
      AND ($1::text IS NULL OR c.agency_code = $1)
      AND ($2::text IS NULL OR c.province_code = $2)
      AND ($3::text IS NULL OR s.code = $3 OR s.code LIKE $3 || '.%')
      AND ($5::text IS NULL OR s.document_id = (SELECT id FROM documents WHERE code = $5))

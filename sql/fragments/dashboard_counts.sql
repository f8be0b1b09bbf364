-- The rows of dashboard_counts a current dashboard adds up instead of
-- scanning the tasks (use as `c`; definitions/15_dashboard_aggregates.sql):
-- those of the grain the statement's CTE `grain` names that pass the filters
-- ($1 agency, $2 province, $3 section, $5 document, as dashboard_filter), on
-- the days up to today (the connection's). No row when the sums cannot
-- answer (dashboard_counts_usable($4): an as_of day, another zone), and the
-- daemon runs the dashboard's scan instead. With the row's section's
-- document, code and chapter (NULL at the grains without sections).
SELECT c.*,
       s.document_id,
       s.code AS section_code,
       s.chapter
FROM dashboard_counts c
LEFT JOIN sections s ON s.id = c.section_id
WHERE dashboard_counts_usable($4::date)
      AND c.grain = (SELECT grain FROM grain)
      AND c.day <= current_date
      AND ($1::text IS NULL OR c.agency_code = $1)
      AND ($2::text IS NULL OR c.province_code = $2)
      AND ($3::text IS NULL OR s.code = $3 OR s.code LIKE $3 || '.%')
      AND ($5::text IS NULL OR s.document_id = (SELECT id FROM documents WHERE code = $5))

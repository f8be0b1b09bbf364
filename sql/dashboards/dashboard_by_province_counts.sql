-- GET /api/v1/dashboard/by-province added up from dashboard_counts (definitions/15_dashboard_aggregates.sql) instead of scanning the tasks; the same answer as dashboard_by_province, which the daemon sends instead when this one has none.
-- $1 agency text: only this agency's tasks (NULL: every agency's)
-- $2 province text: only this province (NULL: every province)
-- $3 section text: only the tasks of this chapter or part (NULL: all)
-- $4 as_of date: the figures as they stood at the end of this day, from the sums by day (NULL: now)
-- $5 document text: only this document's provinces and tasks, by its code (NULL: every document's)
-- returns: the answer's JSON, NULL when the sums cannot answer (a session in another zone than dashboard_zone's: dashboard_by_province scans then); the filter that names nothing ('document', 'agency', 'province', 'section'), a section ambiguous or not in the document, or NULL
/* The grain of dashboard_counts that holds what this dashboard groups and
   filters by, and `c`, its rows that the filters pass. */
WITH grain AS (
    SELECT dashboard_grain($1::text IS NOT NULL, true, $3::text IS NOT NULL OR $5::text IS NOT NULL) AS grain
),
c AS (
    {{dashboard_counts}}
),
g AS (
    SELECT c.province_code,
           c.status,
           {{dashboard_counts_sums}}
    FROM c
    GROUP BY c.province_code, c.status
),
rows AS (
    SELECT p.sort_order,
           json_object_concat(json_build_object('province', p.code,
                                                'name_zh', p.name_zh,
                                                'name_en', p.name_en),
                              {{dashboard_figures}}) AS j
    FROM provinces p
    CROSS JOIN task_statuses ts
    LEFT JOIN g ON g.province_code = p.code AND g.status = ts.status
    WHERE ($2::text IS NULL OR p.code = $2)
      AND ($5::text IS NULL
           OR p.code IN (SELECT province_code FROM document_provinces WHERE document_id = (SELECT id FROM documents WHERE code = $5)))
    GROUP BY p.code
)
SELECT CASE WHEN dashboard_counts_usable($4::date) THEN json_build_object('rows', (SELECT coalesce(json_agg(j ORDER BY sort_order), '[]') FROM rows))::text END,
       {{dashboard_unknown_filter}}

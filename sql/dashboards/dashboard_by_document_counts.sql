-- GET /api/v1/dashboard/by-document added up from dashboard_counts (definitions/15_dashboard_aggregates.sql) instead of scanning the tasks; the same answer as dashboard_by_document, which the daemon sends instead when this one has none.
-- $1 agency text: only this agency's tasks (NULL: every agency's)
-- $2 province text: only this province's tasks (NULL: every province's)
-- $3 section text: only the tasks of this chapter or part (NULL: all)
-- $4 as_of date: the figures as they stood at the end of this day, from the sums by day (NULL: now)
-- $5 document text: only this document, by its code (NULL: every document)
-- returns: the answer's JSON, NULL when the sums cannot answer (a session in another zone than dashboard_zone's: dashboard_by_document scans then); the filter that names nothing ('document', 'agency', 'province', 'section'), a section ambiguous or not in the document, or NULL
/* The grain of dashboard_counts that holds what this dashboard groups and
   filters by, and `c`, its rows that the filters pass. */
WITH grain AS (
    SELECT dashboard_grain($1::text IS NOT NULL, $2::text IS NOT NULL, true) AS grain
),
c AS (
    {{dashboard_counts}}
),
g AS (
    SELECT c.document_id,
           c.status,
           {{dashboard_counts_sums}}
    FROM c
    GROUP BY c.document_id, c.status
),
rows AS (
    SELECT d.id,
           json_object_concat(json_build_object('document', d.code,
                                                'title_zh', d.title_zh,
                                                'title_en', d.title_en),
                              {{dashboard_figures}}) AS j
    FROM documents d
    CROSS JOIN task_statuses ts
    LEFT JOIN g ON g.document_id = d.id AND g.status = ts.status
    WHERE $5::text IS NULL OR d.code = $5
    GROUP BY d.id
)
SELECT CASE WHEN dashboard_counts_usable($4::date) THEN json_build_object('rows', (SELECT coalesce(json_agg(j ORDER BY id), '[]') FROM rows))::text END,
       {{dashboard_unknown_filter}}

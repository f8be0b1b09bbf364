-- GET /api/v1/dashboard/by-section added up from dashboard_counts (definitions/15_dashboard_aggregates.sql) instead of scanning the tasks; the same answer as dashboard_by_section, which the daemon sends instead when this one has none.
-- $1 agency text: only this agency's tasks (NULL: every agency's)
-- $2 province text: only this province's tasks (NULL: every province's)
-- $3 section text: only this chapter or part, the parts under it and the chapter above it (NULL: all)
-- $4 as_of date: the figures as they stood at the end of this day, from the sums by day (NULL: now)
-- $5 document text: only this document's sections, by its code (NULL: every document's)
-- returns: the answer's JSON, NULL when the sums cannot answer (a session in another zone than dashboard_zone's: dashboard_by_section scans then); the filter that names nothing ('document', 'agency', 'province', 'section'), a section ambiguous or not in the document, or NULL
/* The grain of dashboard_counts that holds what this dashboard groups and
   filters by, and `c`, its rows that the filters pass. */
WITH grain AS (
    SELECT dashboard_grain($1::text IS NOT NULL, $2::text IS NOT NULL, true) AS grain
),
c AS (
    {{dashboard_counts}}
),
g AS (
    SELECT x.id AS section_id,
           c.status,
           {{dashboard_counts_sums}}
    FROM sections x
    JOIN c ON c.document_id = x.document_id
          AND (c.section_code = x.code OR (x.part IS NULL AND c.chapter = x.chapter))
    GROUP BY x.id, c.status
),
rows AS (
    SELECT x.document_id,
           x.sort_order,
           json_object_concat(json_build_object('document', d.code,
                                                'section', x.code,
                                                'level', CASE WHEN x.part IS NULL THEN 'chapter' ELSE 'part' END,
                                                'title_zh', x.title_zh,
                                                'title_en', x.title_en),
                              {{dashboard_figures}}) AS j
    FROM sections x
    JOIN documents d ON d.id = x.document_id
    CROSS JOIN task_statuses ts
    LEFT JOIN g ON g.section_id = x.id AND g.status = ts.status
    /* The sections that hold measures (a chapter through its parts): 三–七 of
       the 2017 notice. Two probes of the measures' section index, not a join
       of every measure per section (0.6 s at 15,000 measures). */
    WHERE (EXISTS (SELECT 1 FROM measures mm WHERE mm.section_id = x.id)
           OR EXISTS (SELECT 1 FROM sections ms JOIN measures mm ON mm.section_id = ms.id WHERE ms.parent_id = x.id))
      AND ($5::text IS NULL OR d.code = $5)
      AND ($3::text IS NULL OR x.code = $3 OR x.code LIKE $3 || '.%' OR $3 LIKE x.code || '.%')
    GROUP BY x.id, d.code
)
SELECT CASE WHEN dashboard_counts_usable($4::date) THEN json_build_object('rows', (SELECT coalesce(json_agg(j ORDER BY document_id, sort_order), '[]') FROM rows))::text END,
       {{dashboard_unknown_filter}}

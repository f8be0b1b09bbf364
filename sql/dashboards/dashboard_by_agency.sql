-- The figures of each agency (GET /api/v1/dashboard/by-agency), in the catalogue's order; asked for one document, the agencies that carry its measures.
-- $1 agency text: only this agency (NULL: every agency)
-- $2 province text: only this province's tasks (NULL: every province's)
-- $3 section text: only the tasks of this chapter or part (NULL: all)
-- $4 as_of date: the figures as they stood at the end of this day (NULL: now)
-- $5 document text: only this document's agencies and tasks, by its code (NULL: every document's)
-- returns: the answer's JSON; the filter that names nothing ('document', 'agency', 'province', 'section'), a section ambiguous or not in the document, or NULL
WITH f AS (
    {{dashboard_tasks}}
),
g AS (
    SELECT f.agency_code,
           f.status,
           {{dashboard_status_counts}}
    FROM f
    GROUP BY f.agency_code, f.status
),
rows AS (
    SELECT a.sort_order,
           json_object_concat(json_build_object('agency', a.code,
                                                'name_zh', a.name_zh,
                                                'name_en', a.name_en),
                              {{dashboard_figures}}) AS j
    FROM agencies a
    CROSS JOIN task_statuses ts
    LEFT JOIN g ON g.agency_code = a.code AND g.status = ts.status
    WHERE ($1::text IS NULL OR a.code = $1)
      AND ($5::text IS NULL
           OR a.code IN (SELECT agency_code FROM document_agencies WHERE document_id = (SELECT id FROM documents WHERE code = $5)))
    GROUP BY a.code
)
SELECT json_build_object('rows', (SELECT coalesce(json_agg(j ORDER BY sort_order), '[]') FROM rows))::text,
       {{dashboard_unknown_filter}}

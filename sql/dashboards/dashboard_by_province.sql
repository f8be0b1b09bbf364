-- The figures of each province (GET /api/v1/dashboard/by-province), in the catalogue's order; asked for one document, the provinces its measures name.
-- $1 agency text: only this agency's tasks (NULL: every agency's)
-- $2 province text: only this province (NULL: every province)
-- $3 section text: only the tasks of this chapter or part (NULL: all)
-- $4 as_of date: the figures as they stood at the end of this day (NULL: now)
-- $5 document text: only this document's provinces and tasks, by its code (NULL: every document's)
-- returns: the answer's JSON; the filter that names nothing ('document', 'agency', 'province', 'section'), a section ambiguous or not in the document, or NULL
WITH f AS (
    {{dashboard_tasks}}
),
g AS (
    SELECT f.province_code,
           f.status,
           {{dashboard_status_counts}}
    FROM f
    GROUP BY f.province_code, f.status
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
SELECT json_build_object('rows', (SELECT coalesce(json_agg(j ORDER BY sort_order), '[]') FROM rows))::text,
       {{dashboard_unknown_filter}}

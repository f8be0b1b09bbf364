-- The figures of each document (GET /api/v1/dashboard/by-document), in the order they were loaded.
-- $1 agency text: only this agency's tasks (NULL: every agency's)
-- $2 province text: only this province's tasks (NULL: every province's)
-- $3 section text: only the tasks of this chapter or part (NULL: all)
-- $4 as_of date: the figures as they stood at the end of this day (NULL: now)
-- $5 document text: only this document, by its code (NULL: every document)
-- returns: the answer's JSON; the filter that names nothing ('document', 'agency', 'province', 'section'), a section ambiguous or not in the document, or NULL
WITH f AS (
    {{dashboard_tasks}}
),
g AS (
    SELECT f.document_id,
           f.status,
           {{dashboard_status_counts}}
    FROM f
    GROUP BY f.document_id, f.status
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
SELECT json_build_object('rows', (SELECT coalesce(json_agg(j ORDER BY id), '[]') FROM rows))::text,
       {{dashboard_unknown_filter}}

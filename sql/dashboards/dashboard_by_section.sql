-- The figures of each chapter and part that holds measures (GET /api/v1/dashboard/by-section), a chapter counting its parts' tasks too, by document and section.
-- $1 agency text: only this agency's tasks (NULL: every agency's)
-- $2 province text: only this province's tasks (NULL: every province's)
-- $3 section text: only this chapter or part, the parts under it and the chapter above it (NULL: all)
-- $4 as_of date: the figures as they stood at the end of this day (NULL: now)
-- $5 document text: only this document's sections, by its code (NULL: every document's)
-- returns: the answer's JSON; the filter that names nothing ('document', 'agency', 'province', 'section'), a section ambiguous or not in the document, or NULL
WITH f AS (
    {{dashboard_tasks}}
),
g AS (
    SELECT x.id AS section_id,
           f.status,
           {{dashboard_status_counts}}
    FROM sections x
    JOIN f ON f.document_id = x.document_id
          AND (f.section_code = x.code OR (x.part IS NULL AND f.chapter = x.chapter))
    GROUP BY x.id, f.status
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
    /* The sections that hold measures (a chapter through its parts): 三–七 of the 2017 notice. */
    WHERE EXISTS (SELECT 1 FROM measures mm JOIN sections ms ON ms.id = mm.section_id WHERE ms.id = x.id OR ms.parent_id = x.id)
      AND ($5::text IS NULL OR d.code = $5)
      AND ($3::text IS NULL OR x.code = $3 OR x.code LIKE $3 || '.%' OR $3 LIKE x.code || '.%')
    GROUP BY x.id, d.code
)
SELECT json_build_object('rows', (SELECT coalesce(json_agg(j ORDER BY document_id, sort_order), '[]') FROM rows))::text,
       {{dashboard_unknown_filter}}

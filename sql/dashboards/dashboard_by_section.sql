-- The figures of each chapter and part of chapters 三–七 (GET /api/v1/dashboard/by-section), a chapter counting its parts' tasks too.
-- $1 agency text: only this agency's tasks (NULL: every agency's)
-- $2 province text: only this province's tasks (NULL: every province's)
-- $3 section text: only this chapter or part, the parts under it and the chapter above it (NULL: all)
-- $4 as_of date: the figures as they stood at the end of this day (NULL: now)
-- returns: the answer's JSON; the filter that names nothing ('agency', 'province', 'section') or NULL
WITH f AS (
    {{dashboard_tasks}}
),
g AS (
    SELECT x.id AS section_id,
           f.status,
           {{dashboard_status_counts}}
    FROM sections x
    JOIN f ON f.section_code = x.code OR (x.part IS NULL AND f.chapter = x.chapter)
    GROUP BY x.id, f.status
),
rows AS (
    SELECT x.sort_order,
           json_object_concat(json_build_object('section', x.code,
                                                'level', CASE WHEN x.part IS NULL THEN 'chapter' ELSE 'part' END,
                                                'title_zh', x.title_zh,
                                                'title_en', x.title_en),
                              {{dashboard_figures}}) AS j
    FROM sections x
    CROSS JOIN task_statuses ts
    LEFT JOIN g ON g.section_id = x.id AND g.status = ts.status
    WHERE x.chapter >= 3
      AND ($3::text IS NULL OR x.code = $3 OR x.code LIKE $3 || '.%' OR $3 LIKE x.code || '.%')
    GROUP BY x.id
)
SELECT json_build_object('rows', (SELECT coalesce(json_agg(j ORDER BY sort_order), '[]') FROM rows))::text,
       {{dashboard_unknown_filter}}

-- The escalation ladder's dashboard (GET /api/v1/dashboard/escalations): each open task's current level (the latest recorded for its due date), the counts per level, per agency and per province, and the tasks, the highest level first.
-- $1 agency text: only this agency's tasks (NULL: every agency's)
-- $2 province text: only this province's tasks (NULL: every province's)
-- $3 section text: only the tasks of this chapter or part (NULL: all)
-- $4 as_of date: the levels as they stood at the end of this day: the tasks' states then, escalations recorded by then (NULL: now)
-- $5 document text: only this document's tasks, by its code (NULL: every document's)
-- returns: the answer's JSON; the filter that names nothing ('document', 'agency', 'province', 'section'), a section ambiguous or not in the document, or NULL
WITH f AS (
    {{dashboard_tasks}}
),
cur AS (
    SELECT f.id,
           f.measure_code,
           f.agency_code,
           f.province_code,
           f.status,
           f.due_date,
           e.level,
           e.label_zh,
           e.label_en,
           e.rank,
           e.repeat,
           e.as_of,
           e.copy_leader
    FROM f
    JOIN task_statuses ts ON ts.status = f.status
    CROSS JOIN LATERAL (SELECT x.*
                        FROM escalations x
                        WHERE x.subject_type = 'task'
                          AND x.subject_id = f.id
                          AND x.due_date = f.due_date
                          AND ($4::date IS NULL OR x.as_of <= $4::date)
                        ORDER BY x.id DESC
                        LIMIT 1) e
    WHERE NOT ts.done
),
units AS (
    SELECT 'agency' AS kind, a.code, a.name_zh, a.name_en, a.sort_order, c.level, count(*) AS n
    FROM cur c
    JOIN agencies a ON a.code = c.agency_code
    GROUP BY a.code, c.level
    UNION ALL
    SELECT 'province', p.code, p.name_zh, p.name_en, p.sort_order, c.level, count(*)
    FROM cur c
    JOIN provinces p ON p.code = c.province_code
    GROUP BY p.code, c.level
),
unit_rows AS (
    SELECT u.kind,
           u.sort_order,
           json_build_object('code', u.code,
                             'name_zh', u.name_zh,
                             'name_en', u.name_en,
                             'total', sum(u.n),
                             'levels', json_object_agg(u.level, u.n)) AS j
    FROM units u
    GROUP BY u.kind, u.code, u.name_zh, u.name_en, u.sort_order
)
SELECT json_build_object(
           'ladder', escalation_ladder_json() -> 'levels',
           'levels', (SELECT coalesce(json_agg(json_build_object('level', l.level,
                                                                  'label_zh', l.label_zh,
                                                                  'label_en', l.label_en,
                                                                  'count', l.n) ORDER BY l.rank DESC), '[]')
                      FROM (SELECT c.level, max(c.label_zh) AS label_zh, max(c.label_en) AS label_en,
                                   max(c.rank) AS rank, count(*) AS n
                            FROM cur c
                            GROUP BY c.level) l),
           'by_agency', (SELECT coalesce(json_agg(j ORDER BY sort_order), '[]') FROM unit_rows WHERE kind = 'agency'),
           'by_province', (SELECT coalesce(json_agg(j ORDER BY sort_order), '[]') FROM unit_rows WHERE kind = 'province'),
           'rows', (SELECT coalesce(json_agg(json_build_object('task', c.id,
                                                                'measure', c.measure_code,
                                                                'agency', c.agency_code,
                                                                'province', c.province_code,
                                                                'status', c.status,
                                                                'due_date', c.due_date,
                                                                'level', c.level,
                                                                'label_zh', c.label_zh,
                                                                'label_en', c.label_en,
                                                                'repeat', c.repeat,
                                                                'as_of', c.as_of,
                                                                'copy_leader', c.copy_leader)
                                              ORDER BY c.rank DESC, c.due_date, c.id), '[]')
                    FROM cur c))::text,
       {{dashboard_unknown_filter}}

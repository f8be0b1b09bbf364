-- The measure × province matrix (GET /api/v1/dashboard/matrix): per measure and province, the lead agency's task, support agencies in detail.
-- $1 agency text: only this agency's tasks (NULL: every agency's)
-- $2 province text: only this province's tasks (NULL: every province's)
-- $3 section text: only the measures of this chapter or part (NULL: all)
-- $4 as_of date: the tasks as they stood at the end of this day (NULL: now)
-- returns: the answer's JSON, a key for each province of the catalogue in each row; the filter that names nothing ('agency', 'province', 'section') or NULL
WITH f AS (
    {{dashboard_tasks}}
),
/* The cells are grouped by measure and province in one pass: a lookup per
   measure and province would scan all the tasks each time (9 s at 20,000). */
cells AS (
    SELECT f.measure_id,
           f.province_code,
           json_build_object(
               'status', (array_agg(f.status ORDER BY f.agency_code) FILTER (WHERE f.role = 'lead'))[1],
               'rag', (array_agg(f.rag ORDER BY f.agency_code) FILTER (WHERE f.role = 'lead'))[1],
               'tasks', count(*),
               'support', coalesce(json_agg(json_build_object('agency', f.agency_code,
                                                              'status', f.status,
                                                              'rag', f.rag)
                                            ORDER BY f.agency_code) FILTER (WHERE f.role = 'support'),
                                   '[]')) AS cell
    FROM f
    GROUP BY f.measure_id, f.province_code
),
/* Every measure with a cell, with a member for every province (null: no task there). */
rows AS (
    SELECT m.sort_order,
           json_object_concat(json_build_object('measure', m.code,
                                                'text_zh', m.text_zh),
                              json_object_agg(p.code, c.cell ORDER BY p.sort_order)) AS j
    FROM measures m
    CROSS JOIN provinces p
    LEFT JOIN cells c ON c.measure_id = m.id AND c.province_code = p.code
    WHERE m.id IN (SELECT measure_id FROM cells)
    GROUP BY m.id
)
SELECT json_build_object('provinces', (SELECT coalesce(json_agg(p.code ORDER BY p.sort_order), '[]') FROM provinces p),
                         'rows', (SELECT coalesce(json_agg(j ORDER BY sort_order), '[]') FROM rows))::text,
       {{dashboard_unknown_filter}}

-- Reminders (GET /api/v1/reminders): 临近提醒 (due soon) for reports not yet
-- submitted within `days` of their due date, 催办 (urging) once late; and the
-- overdue tasks of each agency.
-- $1 days int
-- $2 document text: a document's code: only the provinces its measures name and its tasks; NULL for all
-- returns: the reminders' JSON; 'document' when $2 names no document, else NULL
SELECT json_build_object(
    'days', $1::int,
    'reports', (
        SELECT coalesce(json_agg(json_build_object(
                   'period', pe.code,
                   'due_on', pe.due_on,
                   'province', p.code,
                   'name_zh', p.name_zh,
                   'name_en', p.name_en,
                   'state', coalesce(nullif(cur.state, 'draft'), 'missing'),
                   'days_left', pe.due_on - current_date,
                   'level', CASE WHEN current_date > pe.due_on THEN 'overdue' ELSE 'due_soon' END,
                   'level_zh', CASE WHEN current_date > pe.due_on THEN '催办' ELSE '临近提醒' END)
                   ORDER BY pe.due_on, p.sort_order), '[]')
        FROM periods pe
        CROSS JOIN provinces p
        LEFT JOIN reports cur ON cur.province_code = p.code AND cur.period_code = pe.code AND cur.is_current
        WHERE pe.closed_at IS NULL
          AND ($2::text IS NULL
               OR p.code IN (SELECT province_code FROM document_provinces WHERE document_id = (SELECT id FROM documents WHERE code = $2)))
          AND pe.due_on <= current_date + $1::int
          AND coalesce(cur.state, 'missing') IN ('missing', 'draft', 'returned')
          AND NOT EXISTS (SELECT 1
                          FROM reports x
                          WHERE x.province_code = p.code AND x.period_code = pe.code AND x.state = 'accepted')),
    'overdue_tasks', (
        SELECT coalesce(json_agg(json_build_object(
                   'agency', a.code,
                   'name_zh', a.name_zh,
                   'name_en', a.name_en,
                   'count', n,
                   'tasks', ids) ORDER BY a.sort_order), '[]')
        FROM (SELECT t.agency_code, count(*) AS n, (array_agg(t.id ORDER BY t.due_date, t.id))[1:50] AS ids
              FROM tasks t
              WHERE task_overdue(t.status, t.due_date)
                AND ($2::text IS NULL
                     OR t.measure_id IN (SELECT id FROM measures WHERE document_id = (SELECT id FROM documents WHERE code = $2)))
              GROUP BY t.agency_code) o
        JOIN agencies a ON a.code = o.agency_code))::text,
       catalogue_filter_problem($2, NULL, NULL, NULL, NULL)

-- Reminders (GET /api/v1/reminders): 临近提醒 (due soon) for reports not yet
-- submitted within `days` of their due date, 催办 (urging) once late; the
-- overdue tasks of each agency; and, on the same ladder, the work items not
-- done within `days` of their due date: for an agency officer or a
-- provincial office those it carries, for the other roles all; and the
-- escalation ladder's current level of each open task and work item (催办:
-- 提醒, 黄牌, 红牌督办; docs/workflow.md "Escalation"), the highest first: for an
-- agency officer its agency's tasks (in its province, when bound to one) and
-- the items it carries, for a provincial office its province's tasks and its
-- office's items, for the other roles all. Days are the
-- configured time zone's (the connection's TimeZone): `today` says which day
-- days_left counts from.
-- $1 caller_role text
-- $2 caller_agency text
-- $3 caller_province text: for a user scoped to a node, the node's code (its subtree's items)
-- $4 days int
-- $5 document text: a document's code: only the provinces its measures name, its tasks and their work items; NULL for all
-- returns: the reminders' JSON; 'document' when $5 names no document, else NULL
SELECT json_build_object(
    'days', $4::int,
    'today', current_date,
    'reports', (
        SELECT coalesce(json_agg(json_build_object(
                   'period', pe.code,
                   'due_on', pe.due_on,
                   'province', p.code,
                   'name_zh', p.name_zh,
                   'name_en', p.name_en,
                   'state', report_shown_state(cur.state, cur.revises_id, cur.first_submitted_at),
                   'days_left', pe.due_on - current_date,
                   'level', CASE WHEN current_date > pe.due_on THEN 'overdue' ELSE 'due_soon' END,
                   'level_zh', CASE WHEN current_date > pe.due_on THEN '催办' ELSE '临近提醒' END)
                   ORDER BY pe.due_on, p.sort_order), '[]')
        FROM periods pe
        CROSS JOIN provinces p
        LEFT JOIN reports cur ON cur.province_code = p.code AND cur.period_code = pe.code AND cur.is_current
        WHERE pe.closed_at IS NULL
          AND ($5::text IS NULL
               OR p.code IN (SELECT province_code FROM document_provinces WHERE document_id = (SELECT id FROM documents WHERE code = $5)))
          AND pe.due_on <= current_date + $4::int
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
                AND ($5::text IS NULL
                     OR t.measure_id IN (SELECT id FROM measures WHERE document_id = (SELECT id FROM documents WHERE code = $5)))
              GROUP BY t.agency_code) o
        JOIN agencies a ON a.code = o.agency_code),
    'work_items', (
        SELECT coalesce(json_agg(json_build_object(
                   'work_item', w.id,
                   'task', w.task_id,
                   'measure', m.code,
                   'title_zh', w.title_zh,
                   'title_en', w.title_en,
                   'agency', ra.code,
                   'office', rp.code,
                   'name_zh', coalesce(ra.name_zh, rp.name_zh),
                   'name_en', coalesce(ra.name_en, rp.name_en),
                   'status', w.status,
                   'progress', w.progress,
                   'due_date', w.due_date,
                   'days_left', w.due_date - current_date,
                   'level', CASE WHEN task_overdue(w.status, w.due_date) THEN 'overdue' ELSE 'due_soon' END,
                   'level_zh', CASE WHEN task_overdue(w.status, w.due_date) THEN '催办' ELSE '临近提醒' END)
                   ORDER BY w.due_date, w.id), '[]')
        FROM work_items w
        {{work_item_joins}}
        JOIN task_statuses ws ON ws.status = w.status
        WHERE w.removed_at IS NULL
          AND NOT ws.done
          AND w.due_date <= current_date + $4::int
          AND ($5::text IS NULL OR m.document_id = (SELECT id FROM documents WHERE code = $5))
          AND ($1::text NOT IN ('agency', 'province') OR {{work_item_carried}})),
    'escalations', (
        SELECT coalesce(json_agg(json_build_object(
                   'subject_type', x.subject_type,
                   'task', x.task_id,
                   'work_item', CASE WHEN x.subject_type = 'work_item' THEN x.subject_id END,
                   'measure', x.measure,
                   'agency', x.agency_code,
                   'province', x.province_code,
                   'due_date', x.due_date,
                   'days_left', x.due_date - current_date,
                   'level', x.level,
                   'label_zh', x.label_zh,
                   'label_en', x.label_en,
                   'repeat', x.repeat,
                   'as_of', x.as_of,
                   'copy_leader', x.copy_leader)
                   ORDER BY x.rank DESC, x.due_date, x.task_id, x.subject_id), '[]')
        FROM (SELECT e.*, m.code AS measure
              FROM tasks t
              JOIN measures m ON m.id = t.measure_id
              CROSS JOIN LATERAL escalation_current('task', t.id, t.due_date, t.status) e
              WHERE ($5::text IS NULL OR m.document_id = (SELECT id FROM documents WHERE code = $5))
                AND ($1::text NOT IN ('agency', 'province')
                     OR ($1::text = 'agency' AND t.agency_code = $2::text
                         AND ($3::text IS NULL OR t.province_code = $3::text))
                     OR ($1::text = 'province' AND t.province_code = $3::text))
              UNION ALL
              SELECT e.*, m.code
              FROM work_items w
              {{work_item_joins}}
              CROSS JOIN LATERAL escalation_current('work_item', w.id, w.due_date, w.status) e
              WHERE w.removed_at IS NULL
                AND ($5::text IS NULL OR m.document_id = (SELECT id FROM documents WHERE code = $5))
                AND ($1::text NOT IN ('agency', 'province') OR {{work_item_carried}})) x))::text,
       catalogue_filter_problem($5, NULL, NULL, NULL, NULL)

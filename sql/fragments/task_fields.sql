-- A task `t` (of measure `m`, section `s`, agency `a`, province `p`; see
-- task_joins) as json_build_object's key/value pairs, for the caller in
-- $1 caller_role, $2 caller_agency, $3 caller_province: allowed_transitions are
-- the edges of the workflow this caller may take (none on a task split into
-- work items, whose status rolls up from them); work_items counts its live
-- items. `document` is the code of the measure's document: measure codes
-- recur across documents. `escalation` is the ladder's level the open task
-- has reached for its due date (escalation_current()), or null.
'id', t.id,
'document', (SELECT d.code FROM documents d WHERE d.id = m.document_id),
'measure', m.code,
'section', s.code,
'agency', json_build_object('code', a.code, 'name_zh', a.name_zh, 'name_en', a.name_en),
'province', json_build_object('code', p.code, 'name_zh', p.name_zh, 'name_en', p.name_en),
'role', t.role,
'status', t.status,
'progress', t.progress,
'due_date', t.due_date,
'overdue', task_overdue(t.status, t.due_date),
'rag', json_build_object(
    'derived', task_rag_derived(t.status, t.progress, t.due_date, t.updated_at),
    'override', CASE WHEN t.rag_override IS NULL THEN NULL
                ELSE json_build_object('rating', t.rag_override,
                                       'rationale', t.rag_override_rationale,
                                       'at', t.rag_override_at) END,
    'effective', {{task_rag}}),
'last_note', t.last_note,
'evidence', t.evidence,
'version', t.version,
'etag', '"' || t.version || '"',
'updated_at', t.updated_at,
'allowed_transitions', (
    SELECT coalesce(json_agg(tr.to_status ORDER BY ts.sort_order), '[]')
    FROM task_transitions tr
    JOIN task_statuses ts ON ts.status = tr.to_status
    WHERE tr.from_status = t.status
      AND $1::text = ANY (tr.roles)
      AND {{task_in_scope}}
      AND NOT EXISTS (SELECT 1 FROM work_items w WHERE w.task_id = t.id AND w.removed_at IS NULL)),
'work_items', (SELECT count(*) FROM work_items w WHERE w.task_id = t.id AND w.removed_at IS NULL),
'escalation', (SELECT json_build_object('level', e.level,
                                        'label_zh', e.label_zh,
                                        'label_en', e.label_en,
                                        'rank', e.rank,
                                        'repeat', e.repeat,
                                        'as_of', e.as_of,
                                        'days_to_due', e.days_to_due,
                                        'copy_leader', e.copy_leader,
                                        'at', e.at)
               FROM escalation_current('task', t.id, t.due_date, t.status) e)

-- A work item `w` (with `t`, `m`, `ra`, `rp`, `cu` of work_item_joins) as
-- json_build_object's key/value pairs, for the caller in $1 caller_role,
-- $2 caller_agency, $3 caller_province: allowed_transitions are the edges of
-- the task workflow this caller may take on it (the party that carries it
-- takes the role agency's; a coordinator any item's; see work_item_update()).
'id', w.id,
'task', w.task_id,
'measure', m.code,
'title_zh', w.title_zh,
'title_en', w.title_en,
'due_date', w.due_date,
'agency', CASE WHEN ra.code IS NULL THEN NULL
          ELSE json_build_object('code', ra.code, 'name_zh', ra.name_zh, 'name_en', ra.name_en) END,
'office', CASE WHEN rp.code IS NULL THEN NULL
          ELSE json_build_object('code', rp.code, 'name_zh', rp.name_zh, 'name_en', rp.name_en) END,
'node', CASE WHEN rn.code IS NULL THEN NULL
        ELSE json_build_object('code', rn.code, 'kind', rn.kind, 'name_zh', rn.name_zh, 'name_en', rn.name_en) END,
'status', w.status,
'receipt', w.receipt,
'progress', w.progress,
'overdue', task_overdue(w.status, w.due_date),
'last_note', w.last_note,
'sort_order', w.sort_order,
'version', w.version,
'etag', '"' || w.version || '"',
'created_by', json_build_object('username', cu.username, 'display_name', cu.display_name),
'created_at', w.created_at,
'updated_at', w.updated_at,
'href', '/api/v1/work-items/' || w.id,
'allowed_transitions', (
    SELECT coalesce(json_agg(tr.to_status ORDER BY ts.sort_order), '[]')
    FROM task_transitions tr
    JOIN task_statuses ts ON ts.status = tr.to_status
    WHERE tr.from_status = w.status
      AND (($1::text = 'coordinator' AND 'coordinator' = ANY (tr.roles))
           OR ('agency' = ANY (tr.roles) AND {{work_item_carried}}))),
'actions', (
    SELECT coalesce(json_agg(x.action ORDER BY x.n), '[]')
    FROM (VALUES
        (1, 'receive', w.receipt = 'unreceived'),
        (2, 'send_back', w.receipt <> 'sent_back' AND w.status = 'not_started' AND w.progress = 0)) x(n, action, ok)
    WHERE x.ok AND w.removed_at IS NULL AND {{work_item_carried}}),
'escalation', (SELECT json_build_object('level', e.level,
                                        'label_zh', e.label_zh,
                                        'label_en', e.label_en,
                                        'rank', e.rank,
                                        'repeat', e.repeat,
                                        'as_of', e.as_of,
                                        'days_to_due', e.days_to_due,
                                        'copy_leader', e.copy_leader,
                                        'at', e.at)
               FROM escalation_current('work_item', w.id, w.due_date, w.status) e)

-- A task `t` (of measure `m`, section `s`, agency `a`, province `p`; see
-- task_joins) as json_build_object's key/value pairs, for the caller in
-- $1 caller_role, $2 caller_agency, $3 caller_province: allowed_transitions are
-- the edges of the workflow this caller may take (none on a task split into
-- work items, whose status rolls up from them); work_items counts its live
-- items. `document` is the code of the measure's document: measure codes
-- recur across documents. receipt, due_date_original, extension and actions
-- are the supervision loop's (sql/definitions/70_supervision.sql): actions
-- are those of task_supervise() this caller may take now.
-- `escalation` is the ladder's level the open task has reached for its due
-- date (escalation_current()), or null.
-- Per row, as cheaply as it can be said (a page runs all this 21 times):
-- what comes from other tables is kept on the rows by their writers
-- (migration 0034, sql/definitions/18_task_kept_fields.sql): the document's
-- code on the measure; on the task the original due date (the previous due
-- date of its first approved extension), its open extension's id, its live
-- work items and whether it was ever escalated. Only a task with an open
-- extension looks it up, and only an escalated one asks
-- escalation_current(), which stays a lookup: its level is the last the
-- ladder's runs recorded for the current due date, while the task is open.
-- A caller outside the task's scope (observers, provinces, other agencies)
-- may take no transition and no action, so neither is looked up for it
-- (OFFSET 0 keeps PostgreSQL from copying the done lookup into each action
-- that reads it).
'id', t.id,
'document', m.document_code,
'measure', m.code,
'section', s.code,
'agency', json_build_object('code', a.code, 'name_zh', a.name_zh, 'name_en', a.name_en),
'province', json_build_object('code', p.code, 'name_zh', p.name_zh, 'name_en', p.name_en),
'role', t.role,
'status', t.status,
'progress', t.progress,
'due_date', t.due_date,
'due_date_original', coalesce(t.due_date_before_extensions, t.due_date),
'receipt', t.receipt,
'extension', CASE WHEN t.extension_open_id IS NOT NULL THEN (
                 SELECT extension_request_json(e) FROM extension_requests e
                 WHERE e.id = t.extension_open_id) END,
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
'allowed_transitions', CASE WHEN {{task_in_scope}} THEN (
    SELECT coalesce(json_agg(tr.to_status ORDER BY ts.sort_order), '[]')
    FROM task_transitions tr
    JOIN task_statuses ts ON ts.status = tr.to_status
    WHERE tr.from_status = t.status
      AND $1::text = ANY (tr.roles)
      AND t.work_items_live = 0)
    ELSE '[]' END,
'work_items', t.work_items_live,
'actions', CASE WHEN {{task_in_scope}} THEN (
    SELECT coalesce(json_agg(x.action ORDER BY x.n), '[]')
    FROM (SELECT t.extension_open_id AS open_id,
                 (SELECT s.done FROM task_statuses s WHERE s.status = t.status) AS done,
                 $1::text = 'agency' AS own
          OFFSET 0) c
    CROSS JOIN LATERAL (VALUES
        (1, 'receive', c.own AND t.receipt = 'unreceived'),
        (2, 'send_back', c.own AND t.receipt <> 'sent_back' AND t.status = 'not_started' AND t.progress = 0
                         AND c.open_id IS NULL
                         AND t.work_items_live = 0),
        (3, 'reassign', $1::text = 'coordinator' AND t.receipt = 'sent_back'),
        (4, 'request_extension', c.own AND t.receipt = 'received' AND NOT c.done AND c.open_id IS NULL
                                 AND t.due_date >= current_date),
        (5, 'approve_extension', $1::text = 'coordinator' AND c.open_id IS NOT NULL),
        (6, 'refuse_extension', $1::text = 'coordinator' AND c.open_id IS NOT NULL)) x(n, action, ok)
    WHERE x.ok)
    ELSE '[]' END,
'escalation', CASE WHEN t.escalated THEN (SELECT json_build_object('level', e.level,
                                        'label_zh', e.label_zh,
                                        'label_en', e.label_en,
                                        'rank', e.rank,
                                        'repeat', e.repeat,
                                        'as_of', e.as_of,
                                        'days_to_due', e.days_to_due,
                                        'copy_leader', e.copy_leader,
                                        'at', e.at)
               FROM escalation_current('task', t.id, t.due_date, t.status) e) END

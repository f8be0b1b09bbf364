-- The task workflow: its statuses, the transitions between them and who may
-- take each, and the RAG rules in words (GET /api/v1/task-statuses).
-- returns: one JSON object {statuses, transitions, rag_rules}
SELECT json_build_object(
           'statuses', (SELECT json_agg(json_build_object('status', status,
                                                          'label_en', label_en,
                                                          'label_zh', label_zh,
                                                          'done', done)
                                        ORDER BY sort_order)
                        FROM task_statuses),
           'transitions', (SELECT json_agg(json_build_object('from', tr.from_status,
                                                             'to', tr.to_status,
                                                             'roles', tr.roles,
                                                             'note_required', tr.note_required,
                                                             'sets_progress', tr.sets_progress,
                                                             'evidence_needed', tr.evidence_needed,
                                                             'description_en', tr.description_en)
                                           ORDER BY f.sort_order, t.sort_order)
                           FROM task_transitions tr
                           JOIN task_statuses f ON f.status = tr.from_status
                           JOIN task_statuses t ON t.status = tr.to_status),
           'rag_rules', json_build_object(
               'red', 'blocked, or past its due date and not completed or verified',
               'amber', 'due within 30 days with progress under 50, or not updated for 90 days, while not completed or verified',
               'green', 'otherwise',
               'due_date', 'the current due date: an approved extension''s when there is one; due_date_original keeps the first',
               'override', 'a coordinator may set the rating, with a rationale; the answer shows derived, override and effective')
       )::text

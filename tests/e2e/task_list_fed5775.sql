-- The task list as written at fed5775, before its per-row lookups were made
-- cheaper (sql/fragments/task_fields.sql): the text `policytrack sql task_list`
-- printed there, fragments expanded. tests/e2e/test_task_fields_unchanged.py
-- runs it beside today's statement: their answers must be equal byte for
-- byte. Frozen: never edit it to follow today's statement.
-- $1 caller_role text
-- $2 caller_agency text
-- $3 caller_province text
-- $4 agency text
-- $5 province text
-- $6 measure text
-- $7 section text
-- $8 status text
-- $9 role text
-- $10 rag text
-- $11 overdue bool
-- $12 after bigint
-- $13 limit int
-- $14 q text
-- $15 document text
-- $16 receipt text
-- $17 extension text
-- $18 escalation text
WITH page AS (
    SELECT t.id AS k,
           json_build_object('id', t.id,
                             'document', (SELECT d.code FROM documents d WHERE d.id = m.document_id),
                             'measure', m.code,
                             'section', s.code,
                             'agency', json_build_object('code', a.code, 'name_zh', a.name_zh, 'name_en', a.name_en),
                             'province', json_build_object('code', p.code, 'name_zh', p.name_zh, 'name_en', p.name_en),
                             'role', t.role,
                             'status', t.status,
                             'progress', t.progress,
                             'due_date', t.due_date,
                             'due_date_original', task_original_due(t.id, t.due_date),
                             'receipt', t.receipt,
                             'extension', (SELECT extension_request_json(e) FROM extension_requests e
                                           WHERE e.task_id = t.id AND e.state = 'open'),
                             'overdue', task_overdue(t.status, t.due_date),
                             'rag', json_build_object(
                                 'derived', task_rag_derived(t.status, t.progress, t.due_date, t.updated_at),
                                 'override', CASE WHEN t.rag_override IS NULL THEN NULL
                                             ELSE json_build_object('rating', t.rag_override,
                                                                    'rationale', t.rag_override_rationale,
                                                                    'at', t.rag_override_at) END,
                                 'effective', coalesce(t.rag_override, task_rag_derived(t.status, t.progress, t.due_date, t.updated_at))),
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
                                   AND ($1::text = 'coordinator'
                                        OR ($1::text = 'agency' AND t.agency_code = $2::text
                                            AND ($3::text IS NULL OR t.province_code = $3::text)))
                                   AND NOT EXISTS (SELECT 1 FROM work_items w WHERE w.task_id = t.id AND w.removed_at IS NULL)),
                             'work_items', (SELECT count(*) FROM work_items w WHERE w.task_id = t.id AND w.removed_at IS NULL),
                             'actions', (
                                 SELECT coalesce(json_agg(x.action ORDER BY x.n), '[]')
                                 FROM (SELECT o.id AS open_id,
                                              (SELECT s.done FROM task_statuses s WHERE s.status = t.status) AS done,
                                              ($1::text = 'agency' AND ($1::text = 'coordinator'
                                                                        OR ($1::text = 'agency' AND t.agency_code = $2::text
                                                                            AND ($3::text IS NULL OR t.province_code = $3::text)))) AS own
                                       FROM (SELECT (SELECT e.id FROM extension_requests e
                                                     WHERE e.task_id = t.id AND e.state = 'open') AS id) o) c
                                 CROSS JOIN LATERAL (VALUES
                                     (1, 'receive', c.own AND t.receipt = 'unreceived'),
                                     (2, 'send_back', c.own AND t.receipt <> 'sent_back' AND t.status = 'not_started' AND t.progress = 0
                                                      AND c.open_id IS NULL
                                                      AND NOT EXISTS (SELECT 1 FROM work_items w WHERE w.task_id = t.id AND w.removed_at IS NULL)),
                                     (3, 'reassign', $1::text = 'coordinator' AND t.receipt = 'sent_back'),
                                     (4, 'request_extension', c.own AND t.receipt = 'received' AND NOT c.done AND c.open_id IS NULL
                                                              AND t.due_date >= current_date),
                                     (5, 'approve_extension', $1::text = 'coordinator' AND c.open_id IS NOT NULL),
                                     (6, 'refuse_extension', $1::text = 'coordinator' AND c.open_id IS NOT NULL)) x(n, action, ok)
                                 WHERE x.ok),
                             'escalation', (SELECT json_build_object('level', e.level,
                                                                     'label_zh', e.label_zh,
                                                                     'label_en', e.label_en,
                                                                     'rank', e.rank,
                                                                     'repeat', e.repeat,
                                                                     'as_of', e.as_of,
                                                                     'days_to_due', e.days_to_due,
                                                                     'copy_leader', e.copy_leader,
                                                                     'at', e.at)
                                            FROM escalation_current('task', t.id, t.due_date, t.status) e)) AS j
    FROM tasks t
    JOIN measures m ON m.id = t.measure_id
    JOIN sections s ON s.id = m.section_id
    JOIN agencies a ON a.code = t.agency_code
    JOIN provinces p ON p.code = t.province_code
    WHERE ($4::text IS NULL OR t.agency_code = $4)
      AND ($5::text IS NULL OR t.province_code = $5)
      AND ($6::text IS NULL OR m.code = $6)
      AND ($7::text IS NULL OR s.code = $7 OR s.code LIKE $7 || '.%')
      AND ($8::text IS NULL OR t.status = $8)
      AND ($9::text IS NULL OR t.role = $9)
      AND ($10::text IS NULL OR coalesce(t.rag_override, task_rag_derived(t.status, t.progress, t.due_date, t.updated_at)) = $10)
      AND ($11::bool IS NULL OR task_overdue(t.status, t.due_date) = $11)
      AND ($12::bigint IS NULL OR t.id > $12)
      AND ($16::text IS NULL OR t.receipt = $16)
      AND ($17::text IS NULL OR EXISTS (SELECT 1 FROM extension_requests e
                                        WHERE e.task_id = t.id AND e.state = $17))
      AND ($15::text IS NULL OR m.document_id = (SELECT id FROM documents WHERE code = $15))
      AND ($18::text IS NULL
           OR CASE WHEN $18 = 'none'
                   THEN NOT EXISTS (SELECT 1 FROM escalation_current('task', t.id, t.due_date, t.status))
                   ELSE EXISTS (SELECT 1
                                FROM escalation_current('task', t.id, t.due_date, t.status) e
                                WHERE e.level = $18)
              END)
      AND ($14::text IS NULL
           OR t.measure_id IN (SELECT ms.id
                               FROM measures ms,
                                    (SELECT '%' || replace(replace(replace($14::text, '\', '\\'), '%', '\%'), '_', '\_') || '%' AS pattern) e
                               WHERE ms.text_zh LIKE e.pattern OR ms.text_en ILIKE e.pattern OR ms.code = $14))
    ORDER BY t.id
    LIMIT $13::int + 1
),
numbered AS (
    SELECT k, j, row_number() OVER (ORDER BY k) AS n
    FROM page
)
SELECT coalesce(json_agg(j ORDER BY k) FILTER (WHERE n <= $13::int), '[]')::text,
       CASE WHEN count(*) > $13::int THEN (max(k) FILTER (WHERE n <= $13::int))::text END,
       (SELECT CASE
                   WHEN $8::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM task_statuses WHERE status = $8)
                   THEN '400:status:' || (SELECT 'must be one of ' || string_agg(status, ', ' ORDER BY sort_order) FROM task_statuses)
                   WHEN $9::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM measure_roles WHERE role = $9)
                   THEN '400:role:' || (SELECT 'must be ' || string_agg(role, ' or ' ORDER BY sort_order) FROM measure_roles)
                   WHEN $16::text NOT IN ('unreceived', 'received', 'sent_back')
                   THEN '400:receipt:must be one of unreceived, received, sent_back'
                   WHEN $17::text <> 'open'
                   THEN '400:extension:must be open'
                   WHEN $18::text IS NOT NULL AND $18 <> 'none'
                        AND NOT EXISTS (SELECT 1 FROM escalation_levels WHERE code = $18)
                        AND NOT EXISTS (SELECT 1 FROM escalations WHERE level = $18)
                   THEN '400:escalation:' || format('''%s'' is no level of the escalation ladder (GET /api/v1/escalation-ladder), nor none', left($18, 40))
                   ELSE catalogue_filter_problem($15, $4, $5, $7, $6)
               END)
FROM numbered

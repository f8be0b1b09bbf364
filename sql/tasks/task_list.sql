-- One page of tasks, filtered, as the caller sees them (GET /api/v1/tasks).
-- $1 caller_role text
-- $2 caller_agency text
-- $3 caller_province text
-- $4 agency text
-- $5 province text
-- $6 measure text
-- $7 section text: a section's code; its subsections' tasks are included
-- $8 status text
-- $9 role text
-- $10 rag text
-- $11 overdue bool
-- $12 after bigint: the cursor's key; the page starts after it
-- $13 limit int
-- $14 q text: searched as a substring of the measure's text_zh, case-insensitively of its text_en, or its code; NULL for none
-- $15 document text: a document's code: only its tasks; NULL for every document's
-- $16 receipt text: unreceived, received or sent_back (docs/workflow.md, "Receipt")
-- $17 extension text: open: only tasks with an extension request awaiting a decision
-- $18 escalation text: a level of the escalation ladder: only tasks whose current level it is; 'none': only tasks at no level; NULL for all
-- returns: the page's items as JSON; the next page's key; '400:status:MESSAGE', '400:role:MESSAGE', '400:receipt:MESSAGE', '400:extension:MESSAGE' or '400:escalation:MESSAGE' for a value its table (or list) lacks, else the filter that names nothing or is ambiguous (catalogue_filter_problem()), if any
-- plans: one per filter set
-- (the daemon prepares, per connection, a variant for each set of filters a
-- request names, in which PostgreSQL keeps one generic plan: sql/embed.py)
WITH page AS (
    SELECT t.id AS k,
           json_build_object({{task_fields}}) AS j
    FROM tasks t
    {{task_joins}}
    WHERE ($4::text IS NULL OR t.agency_code = $4)
      AND ($5::text IS NULL OR t.province_code = $5)
      AND ($6::text IS NULL OR m.code = $6)
      AND ($7::text IS NULL OR s.code = $7 OR s.code LIKE $7 || '.%')
      AND ($8::text IS NULL OR t.status = $8)
      AND ($9::text IS NULL OR t.role = $9)
      AND ($10::text IS NULL OR {{task_rag}} = $10)
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
                   THEN '400:status:' || {{task_status_message}}
                   WHEN $9::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM measure_roles WHERE role = $9)
                   THEN '400:role:' || {{measure_role_message}}
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

-- Every task field that differs from what the task's events say (`policytrack audit verify`).
-- returns: task id, field, the value its events leave, the task's value (text; NULL for none), ordered by task and field
--
-- A task starts not_started, at 0 %, without RAG override or evidence, with
-- its measure's due date (document_import() creates it with measures.due_on
-- and re-dates it, with a task.redated event, whenever that changes) and its
-- mapping's role. Each field is then the "to" of the latest event (by id)
-- that changed it: task_update() for status, progress, due_date, evidence
-- and rag_override; the document import's task.redated (due_date) and
-- task.reassigned (role); the supervision loop's task.received,
-- task.sent_back and task.reassigned (receipt, from 'unreceived'; agency and
-- role) and extension.approved (due_date). A field's events are aggregated as jsonb, so that
-- an event that set it to null ('null') differs from no event (SQL NULL).
-- A difference means a change without its event, or an event removed.
WITH last AS (
    SELECT e.subject_id AS task_id,
           (array_agg(e.changes -> 'status' -> 'to' ORDER BY e.id DESC)
                FILTER (WHERE e.changes ? 'status'))[1] AS status,
           (array_agg(e.changes -> 'progress' -> 'to' ORDER BY e.id DESC)
                FILTER (WHERE e.changes ? 'progress'))[1] AS progress,
           (array_agg(e.changes -> 'due_date' -> 'to' ORDER BY e.id DESC)
                FILTER (WHERE e.changes ? 'due_date'))[1] AS due_date,
           (array_agg(e.changes -> 'evidence' -> 'to' ORDER BY e.id DESC)
                FILTER (WHERE e.changes ? 'evidence'))[1] AS evidence,
           (array_agg(e.changes -> 'rag_override' -> 'to' ORDER BY e.id DESC)
                FILTER (WHERE e.changes ? 'rag_override'))[1] AS rag_override,
           (array_agg(e.changes -> 'role' -> 'to' ORDER BY e.id DESC)
                FILTER (WHERE e.changes ? 'role'))[1] AS role,
           (array_agg(e.changes -> 'receipt' -> 'to' ORDER BY e.id DESC)
                FILTER (WHERE e.changes ? 'receipt'))[1] AS receipt,
           (array_agg(e.changes -> 'agency' -> 'to' ORDER BY e.id DESC)
                FILTER (WHERE e.changes ? 'agency'))[1] AS agency
    FROM events e
    WHERE e.subject_type = 'task'
    GROUP BY e.subject_id
),
fields AS (
    SELECT t.id,
           x.field,
           x.expected,
           x.actual
    FROM tasks t
    JOIN measures m ON m.id = t.measure_id
    LEFT JOIN last l ON l.task_id = t.id
    CROSS JOIN LATERAL (
        VALUES ('status', coalesce(l.status #>> '{}', 'not_started'), t.status),
               ('progress', coalesce(l.progress #>> '{}', '0'), t.progress::text),
               ('due_date', CASE WHEN l.due_date IS NULL THEN m.due_on::text
                                 ELSE l.due_date #>> '{}' END, t.due_date::text),
               ('evidence', coalesce(l.evidence, '[]')::text, t.evidence::text),
               ('rag_override', l.rag_override ->> 'rating', t.rag_override),
               ('rag_override_rationale', l.rag_override ->> 'rationale', t.rag_override_rationale),
               ('role', coalesce(l.role #>> '{}', t.role), t.role),
               ('receipt', coalesce(l.receipt #>> '{}', 'unreceived'), t.receipt),
               ('agency', coalesce(l.agency #>> '{}', t.agency_code), t.agency_code)
    ) x(field, expected, actual)
)
SELECT id, field, expected, actual
FROM fields
WHERE expected IS DISTINCT FROM actual
ORDER BY id, field

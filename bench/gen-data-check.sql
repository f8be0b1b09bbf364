-- bench/gen-data-check.sql: checks that the task histories in a database are
-- ones the workflow could have written, and that the tasks are what their
-- histories say. Read-only; every count in the "bad" columns must be 0.
--   psql "$CONNINFO" -f bench/gen-data-check.sql
-- (The hash chain is checked by `policytrack audit verify`.)
\set ON_ERROR_STOP on
SET jit = off;
SET work_mem = '256MB';

\echo 'transitions: each status change is an edge of task_transitions, with its note when required'
SELECT count(*) AS status_changes,
       count(*) FILTER (WHERE tr.from_status IS NULL) AS bad_transition,
       count(*) FILTER (WHERE tr.note_required AND coalesce(btrim(e.note), '') = '') AS bad_missing_note,
       count(*) FILTER (WHERE tr.sets_progress IS NOT NULL AND e.changes ? 'progress'
                        AND (e.changes -> 'progress' ->> 'to')::integer <> tr.sets_progress) AS bad_progress_set
FROM events e
LEFT JOIN task_transitions tr ON tr.from_status = e.changes -> 'status' ->> 'from'
                             AND tr.to_status = e.changes -> 'status' ->> 'to'
WHERE e.subject_type = 'task' AND e.changes ? 'status';

\echo 'fields: every "from" is the previous "to" of that field (or the value a task starts with)'
WITH f AS (
    SELECT e.subject_id, e.id, k.key, e.changes -> k.key -> 'from' AS old, e.changes -> k.key -> 'to' AS new
    FROM events e CROSS JOIN LATERAL jsonb_object_keys(e.changes) k(key)
    WHERE e.subject_type = 'task'
), l AS (
    SELECT f.*, lag(new) OVER (PARTITION BY subject_id, key ORDER BY id) AS prev FROM f
)
SELECT key AS field, count(*) AS changes,
       count(*) FILTER (WHERE old IS DISTINCT FROM coalesce(prev, CASE key
           WHEN 'status' THEN '"not_started"' WHEN 'progress' THEN '0' WHEN 'evidence' THEN '[]'
           ELSE 'null' END::jsonb)) AS bad_chain,
       count(*) FILTER (WHERE old = new) AS bad_no_op
FROM l GROUP BY key ORDER BY key;

\echo 'kinds and notes: kind follows the changes; an event that changes nothing has a note'
SELECT count(*) AS events,
       count(*) FILTER (WHERE kind <> CASE WHEN changes ? 'status' THEN 'task.status_changed'
                                           WHEN changes = '{}' THEN 'task.noted'
                                           ELSE 'task.updated' END) AS bad_kind,
       count(*) FILTER (WHERE changes = '{}' AND note IS NULL) AS bad_empty,
       count(*) FILTER (WHERE at >= lead_at) AS bad_time_order
FROM (SELECT e.*, lead(at) OVER (PARTITION BY subject_id ORDER BY id) AS lead_at
      FROM events e WHERE subject_type = 'task') e;

\echo 'progress: locked at 100 while completed or verified, unchanged while blocked or not started'
WITH s AS (
    SELECT e.subject_id, e.id, e.changes,
           count(*) FILTER (WHERE e.changes ? 'status') OVER (PARTITION BY subject_id ORDER BY id) AS grp
    FROM events e WHERE subject_type = 'task'
), c AS (
    SELECT s.*, coalesce(first_value(changes -> 'status' ->> 'to')
                         OVER (PARTITION BY subject_id, grp ORDER BY id), 'not_started') AS status
    FROM s
)
SELECT status AS during, count(*) AS events,
       count(*) FILTER (WHERE changes ? 'progress' AND NOT changes ? 'status') AS progress_changes,
       count(*) FILTER (WHERE changes ? 'progress' AND NOT changes ? 'status'
                        AND status <> 'in_progress') AS bad_progress
FROM c GROUP BY status ORDER BY status;

\echo 'tasks: what the history rebuilds (tasks_as_of today) is the task as stored'
WITH e AS (
    SELECT subject_id, count(*) AS n, max(at) AS last_at,
           (array_agg(note ORDER BY id DESC) FILTER (WHERE note IS NOT NULL))[1] AS last_note,
           (array_agg(changes -> 'evidence' -> 'to' ORDER BY id DESC) FILTER (WHERE changes ? 'evidence'))[1] AS evidence
    FROM events WHERE subject_type = 'task' GROUP BY subject_id
)
SELECT count(*) AS tasks,
       count(*) FILTER (WHERE a.status <> t.status) AS bad_status,
       count(*) FILTER (WHERE a.progress <> t.progress) AS bad_progress,
       count(*) FILTER (WHERE a.due_date IS DISTINCT FROM t.due_date) AS bad_due_date,
       count(*) FILTER (WHERE a.rag IS DISTINCT FROM coalesce(t.rag_override,
           task_rag_derived(t.status, t.progress, t.due_date, t.updated_at))) AS bad_rag,
       count(*) FILTER (WHERE t.version <> coalesce(e.n, 0) + 1) AS bad_version,
       count(*) FILTER (WHERE e.n IS NOT NULL AND t.updated_at <> e.last_at) AS bad_updated_at,
       count(*) FILTER (WHERE t.last_note IS DISTINCT FROM e.last_note) AS bad_last_note,
       count(*) FILTER (WHERE t.evidence <> coalesce(e.evidence, '[]')) AS bad_evidence
FROM tasks t
JOIN tasks_as_of(current_date) a ON a.id = t.id
LEFT JOIN e ON e.subject_id = t.id;

\echo 'mix: statuses, kinds, overdue and RAG'
SELECT status, count(*), round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct
FROM tasks GROUP BY status ORDER BY min((SELECT sort_order FROM task_statuses s WHERE s.status = tasks.status));
SELECT kind, count(*), round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct FROM events GROUP BY kind ORDER BY kind;
SELECT count(*) FILTER (WHERE task_overdue(status, due_date)) AS overdue,
       count(*) FILTER (WHERE due_date IS NULL) AS no_due_date,
       count(*) FILTER (WHERE rag_override IS NOT NULL) AS rag_overrides,
       count(*) FILTER (WHERE coalesce(rag_override, task_rag_derived(status, progress, due_date, updated_at)) = 'red') AS red,
       count(*) FILTER (WHERE coalesce(rag_override, task_rag_derived(status, progress, due_date, updated_at)) = 'amber') AS amber,
       count(*) FILTER (WHERE coalesce(rag_override, task_rag_derived(status, progress, due_date, updated_at)) = 'green') AS green
FROM tasks;

-- RAG, derived (documented in docs/workflow.md):
--   red    blocked, or past its due date and not completed or verified;
--   amber  due within 30 days with progress under 50, or not updated for
--          90 days, while not completed or verified;
--   green  otherwise.
-- task_rag_at() applies the rule on a given day (dashboards "as of" a day),
-- task_rag_derived() on today. From migrations 0005 and 0009, and STABLE as
-- 0011 made task_rag_at(): it compares a timestamptz with a date, which
-- depends on the session's TimeZone, and PostgreSQL inlines a function only
-- when its label is no less volatile than its body (three calls per task on
-- every dashboard and task page otherwise).
-- The done statuses (completed, verified) are written out here and in
-- task_overdue() rather than read from task_statuses.done: a lookup would stop
-- PostgreSQL inlining these into every list and dashboard.
-- tests/e2e/test_sql_files.py checks that both agree with the table.
CREATE OR REPLACE FUNCTION task_rag_at(status text, progress integer, due_date date,
                                       updated_at timestamptz, day date) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN status = 'blocked' THEN 'red'
        WHEN status IN ('completed', 'verified') THEN 'green'
        WHEN due_date < day THEN 'red'
        WHEN due_date <= day + 30 AND progress < 50 THEN 'amber'
        WHEN updated_at < day - 90 THEN 'amber'
        ELSE 'green'
    END
$$;

CREATE OR REPLACE FUNCTION task_rag_derived(status text, progress integer, due_date date,
                                            updated_at timestamptz) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT task_rag_at(status, progress, due_date, updated_at, current_date)
$$;

-- Past its due date and not done (migration 0005).
CREATE OR REPLACE FUNCTION task_overdue(status text, due_date date) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(due_date < current_date, false) AND status NOT IN ('completed', 'verified')
$$;

-- The write locks of the audit trail (0031), first among the definitions:
-- every writer, and task_event_states_rebuild() of 14, takes them.

-- The lock that orders one subject's events: (a number per subject type, the
-- subject's id). Ids beyond 2^31 share a lock with a smaller one: slower,
-- never wrong. The two-key form never meets the one-key locks used elsewhere.
-- A writer holding the writers' lock exclusively (below) runs alone and
-- takes none: locks held to commit come out of one table shared by every
-- session (6,400 by default), which a run writing events of thousands of
-- subjects (an escalation run at a million tasks) would overflow. Any other
-- event writer holds the writers' lock shared, a bare INSERT into events
-- too, so none runs beside an exclusive one.
CREATE OR REPLACE FUNCTION audit_subject_lock(p_type text, p_id bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('policytrack.write_lock', true) IS DISTINCT FROM 'exclusive' THEN
        PERFORM pg_advisory_xact_lock_shared(7301958415);
        PERFORM pg_advisory_xact_lock(hashtext('events:' || p_type), (p_id & 2147483647)::integer);
    END IF;
END
$$;

-- The writers' lock, taken first by every write function in place of the one
-- global lock of before. Exclusive (audit_write_lock(true)) for the rarer
-- writes that touch many rows in no fixed order (imports, work items,
-- reports, escalation runs, org nodes), which then run alone, as every
-- write did before, and so cannot deadlock with anything. Shared
-- (audit_write_lock_task()) for the writes of one task: task_update(), a
-- file, a supervision action; they lock that task's row before anything
-- else another writer could hold, so they run side by side and cannot
-- deadlock either. A transaction that writes several tasks must take it
-- exclusive first, or lock their rows in id order before any change
-- (task_batch_update(): audit_write_lock_ordered()); one that would write a
-- second task under the shared lock could hold rows (and the dashboards'
-- sums) another single-task writer waits for while waiting for that one's
-- row, and is refused instead. The transaction's mode is kept in a
-- transaction-local setting.
CREATE OR REPLACE FUNCTION audit_write_lock(p_exclusive boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_exclusive THEN
        PERFORM pg_advisory_xact_lock(7301958415);
        PERFORM set_config('policytrack.write_lock', 'exclusive', true);
    ELSE
        PERFORM pg_advisory_xact_lock_shared(7301958415);
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION audit_write_lock_task(p_task bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    mode text := coalesce(current_setting('policytrack.write_lock', true), '');
BEGIN
    IF mode IN ('exclusive', 'ordered') OR mode = 'task:' || p_task THEN
        RETURN;  -- alone, or this task's row is already held in order
    END IF;
    IF mode LIKE 'task:%' THEN
        RAISE EXCEPTION 'this transaction already changed task %; to change task % too, take '
                        'audit_write_lock(true) first or use task_batch_update()',
                        substr(mode, 6), p_task
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    PERFORM audit_write_lock(false);
    PERFORM set_config('policytrack.write_lock', 'task:' || p_task, true);
END
$$;

-- Several tasks' rows, locked in id order before any change, under the
-- shared lock (task_batch_update()).
CREATE OR REPLACE FUNCTION audit_write_lock_ordered(p_tasks bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('policytrack.write_lock', true), '') LIKE 'task:%' THEN
        RAISE EXCEPTION 'this transaction already changed a task; take audit_write_lock(true) first'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF coalesce(current_setting('policytrack.write_lock', true), '') <> 'exclusive' THEN
        PERFORM audit_write_lock(false);
        PERFORM 1 FROM tasks x WHERE x.id = ANY (p_tasks) ORDER BY x.id FOR UPDATE;
        PERFORM set_config('policytrack.write_lock', 'ordered', true);
    END IF;
END
$$;

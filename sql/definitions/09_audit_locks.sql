-- The write locks of the audit trail (0031), first among the definitions:
-- every writer, and task_event_states_rebuild() of 14, takes them.

-- The lock that orders one subject's events: (a number per subject type, the
-- subject's id). Ids beyond 2^31 share a lock with a smaller one: slower,
-- never wrong. The two-key form never meets the one-key locks used elsewhere.
CREATE OR REPLACE FUNCTION audit_subject_lock(p_type text, p_id bigint) RETURNS void
LANGUAGE sql AS $$
    SELECT pg_advisory_xact_lock(hashtext('events:' || p_type), (p_id & 2147483647)::integer)
$$;

-- The writers' lock, taken first by every write function in place of the one
-- global lock of before: shared by the writes of one task (task_update(), a
-- file, a supervision action, a batch that locks its rows in id order), so
-- that those run side by side; exclusive by the rarer writes that touch many
-- rows in no fixed order (imports, work items, reports, escalation runs, org
-- nodes), which then run alone as every write did before, and so cannot
-- deadlock with anything. A shared holder locks one task row (or a batch its
-- rows in id order) before anything else, so they cannot deadlock either.
CREATE OR REPLACE FUNCTION audit_write_lock(p_exclusive boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_exclusive THEN
        PERFORM pg_advisory_xact_lock(7301958415);
    ELSE
        PERFORM pg_advisory_xact_lock_shared(7301958415);
    END IF;
END
$$;

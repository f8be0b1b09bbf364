-- What tells the daemons' caches that data changed (migration 0033). A
-- write to a table a dashboard reads leaves one mark per transaction in
-- change_marks; events_seal() (21_audit_chain.sql) takes the committed marks
-- and sends the one 'data' notification for all of them. A writer never
-- calls pg_notify() itself: PostgreSQL would hold its cluster-wide
-- notification lock from before that writer's commit to its end, WAL flush
-- included, so every write would wait for the flush of the one before.

-- A statement-level trigger: the first statement of a transaction marks it,
-- the others find the transaction-local setting and add nothing.
CREATE OR REPLACE FUNCTION change_mark() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF current_setting('policytrack.change_marked', true) IS DISTINCT FROM 'on' THEN
        INSERT INTO change_marks (tx) VALUES (pg_current_xact_id());
        PERFORM set_config('policytrack.change_marked', 'on', true);
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION change_mark() FROM PUBLIC, policytrack_app;

-- The committed marks, taken: whether there were any. Sealers running at
-- once take disjoint rows (a row another has deleted is skipped).
CREATE OR REPLACE FUNCTION change_marks_take() RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    taken boolean;
BEGIN
    DELETE FROM change_marks;
    taken := FOUND;
    IF taken THEN
        PERFORM pg_notify('policytrack_change', 'data');
    END IF;
    RETURN taken;
END
$$;
REVOKE ALL ON FUNCTION change_marks_take() FROM PUBLIC, policytrack_app;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['tasks', 'events', 'reports', 'periods', 'measures', 'sections',
                             'agencies', 'provinces', 'work_items', 'escalations'] LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t || '_change_mark', t);
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION change_mark()', t || '_change_mark', t);
    END LOOP;
END
$$;

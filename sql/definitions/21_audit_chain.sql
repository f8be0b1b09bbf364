-- The audit trail's rules (0005, 0031): each event is hash-chained to the
-- previous event of its own subject, under a lock of that subject alone, and
-- sealed into one global order after commit by events_seal(); events and
-- seals are append-only. (The trigger that keeps each task's state beside it,
-- task_event_states_append() of 0012, belongs with the dashboards'.)

-- The row's canonical text: what the hash covers. Times as microseconds since
-- the epoch, so the session's TimeZone cannot change the text.
-- PL/pgSQL, so that its expression is planned once per session: as a SQL
-- function it could not be inlined (extract() of a timestamptz is only
-- STABLE) and was parsed and planned again at every event written.
CREATE OR REPLACE FUNCTION events_row_hash(prev_hash text, id bigint, at timestamptz, actor_id bigint,
                                subject_type text, subject_id bigint, kind text,
                                changes jsonb, note text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN encode(sha256(convert_to(concat_ws(E'\x1f', prev_hash, id::text,
        (extract(epoch FROM at) * 1000000)::bigint::text, coalesce(actor_id::text, ''),
        subject_type, subject_id::text, kind, changes::text, coalesce(note, '')), 'UTF8')), 'hex');
END
$$;

-- Chains each new row to its subject's last event, under its subject's lock:
-- the id is taken under it, so a subject's ids, chain order and commit order
-- agree. Writers of other subjects do not wait.
CREATE OR REPLACE FUNCTION events_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM audit_subject_lock(NEW.subject_type, NEW.subject_id);
    NEW.id := nextval('events_id_seq');
    NEW.at := clock_timestamp();
    NEW.prev_hash := coalesce((SELECT e.hash FROM events e
                               WHERE e.subject_type = NEW.subject_type AND e.subject_id = NEW.subject_id
                               ORDER BY e.id DESC LIMIT 1), repeat('0', 64));
    NEW.hash := events_row_hash(NEW.prev_hash, NEW.id, NEW.at, NEW.actor_id, NEW.subject_type,
                                NEW.subject_id, NEW.kind, NEW.changes, NEW.note);
    RETURN NEW;
END
$$;

-- Every new event waits for the sequencer (0031), committed with it.
CREATE OR REPLACE FUNCTION events_queue_for_seal() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO events_unsealed (event_id) SELECT id FROM new_events;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION events_queue_for_seal() FROM PUBLIC;

CREATE OR REPLACE FUNCTION events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

-- A seal's anchor: over the previous anchor, its number, the event and the
-- event's hash (which covers the event's content and its subject's chain).
CREATE OR REPLACE FUNCTION events_seal_anchor(prev_anchor text, seq bigint, event_id bigint,
                                              event_hash text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT encode(sha256(convert_to(concat_ws(E'\x1f', prev_anchor, seq::text, event_id::text,
                                              event_hash), 'UTF8')), 'hex')
$$;

-- A running aggregate over seals in seq order: its state is the last anchor.
CREATE OR REPLACE FUNCTION events_seal_step(state text, start text, seq bigint, event_id bigint,
                                            event_hash text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT events_seal_anchor(coalesce(state, start), seq, event_id, event_hash)
$$;
CREATE OR REPLACE AGGREGATE events_seal_chain(text, bigint, bigint, text) (
    SFUNC = events_seal_step, STYPE = text);

-- The sequencer: the committed events not yet sealed, at most p_max, in id
-- order, given the next numbers and anchors. Sealers exclude each other with
-- a lock of their own, held only in this short transaction; no writer takes
-- it, and it waits for no writer (what is not committed is not seen). Returns
-- how many it sealed. The daemon runs it after writes and on a timer, the CLI
-- before verify and checkpoint. It also sends the caches' 'data'
-- notification for the writes committed since it last ran.
CREATE OR REPLACE FUNCTION events_seal(p_max integer) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    last_seq bigint;
    last_anchor text;
    n bigint;
BEGIN
    -- The caches hear of the data changes committed since the last call
    -- (08_change_marks.sql): one notification, from here, for all of them.
    PERFORM change_marks_take();
    -- Nothing waiting: no lock, no write (the timer's usual case).
    IF NOT EXISTS (SELECT 1 FROM events_unsealed) THEN
        RETURN 0;
    END IF;
    PERFORM pg_advisory_xact_lock(7301958416);
    SELECT s.seq, s.anchor INTO last_seq, last_anchor FROM event_seals s ORDER BY s.seq DESC LIMIT 1;
    WITH waiting AS (
        SELECT q.event_id, e.hash, coalesce(last_seq, 0) + row_number() OVER (ORDER BY q.event_id) AS seq
        FROM events_unsealed q
        JOIN events e ON e.id = q.event_id
        ORDER BY q.event_id
        LIMIT p_max
    ),
    sealed AS (
        INSERT INTO event_seals (seq, event_id, anchor)
        SELECT w.seq, w.event_id,
               events_seal_chain(coalesce(last_anchor, repeat('0', 64)), w.seq, w.event_id, w.hash)
                   OVER (ORDER BY w.seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
        FROM waiting w
        RETURNING event_id
    )
    DELETE FROM events_unsealed q USING sealed s WHERE q.event_id = s.event_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
REVOKE ALL ON FUNCTION events_seal(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION events_seal(integer) TO policytrack_app;

-- The audit trail's rules (0005): each event is hash-chained under one lock,
-- and events are append-only. (The trigger that keeps each task's state beside
-- it, task_event_states_append() of 0012, belongs with the dashboards'.)

-- The row's canonical text: what the hash covers. Times as microseconds since
-- the epoch, so the session's TimeZone cannot change the text.
CREATE OR REPLACE FUNCTION events_row_hash(prev_hash text, id bigint, at timestamptz, actor_id bigint,
                                subject_type text, subject_id bigint, kind text,
                                changes jsonb, note text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT encode(sha256(convert_to(concat_ws(E'\x1f', prev_hash, id::text,
        (extract(epoch FROM at) * 1000000)::bigint::text, coalesce(actor_id::text, ''),
        subject_type, subject_id::text, kind, changes::text, coalesce(note, '')), 'UTF8')), 'hex')
$$;

-- Chains each new row: one writer at a time (a transaction-scoped lock), the id
-- taken under the lock, so ids, chain order and commit order agree.
CREATE OR REPLACE FUNCTION events_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7301958413);
    NEW.id := nextval('events_id_seq');
    NEW.at := clock_timestamp();
    NEW.prev_hash := coalesce((SELECT hash FROM events ORDER BY id DESC LIMIT 1), repeat('0', 64));
    NEW.hash := events_row_hash(NEW.prev_hash, NEW.id, NEW.at, NEW.actor_id, NEW.subject_type,
                                NEW.subject_id, NEW.kind, NEW.changes, NEW.note);
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

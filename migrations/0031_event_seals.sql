-- Writes that do not serialise on one lock (issue 15, item 3). Until now every
-- event was chained to the one before it globally, under one advisory lock
-- held to commit, so every write of the whole system ran one at a time. From
-- here each event is chained to the previous event of its own subject (a
-- task, a report, ...: sql/definitions/21_audit_chain.sql), and a global
-- order is given after commit by a sequencer, events_seal(): it takes the
-- committed events not yet sealed, numbers them consecutively in event_seals
-- and extends an anchor chain over their hashes. `policytrack audit verify`
-- checks both chains; a signed checkpoint anchors the seals' head.

-- Every event is sealed exactly once (event_id UNIQUE), seq without gaps.
-- anchor: for the events written before this migration (id <= the boundary
-- below), which are already one global chain, the event's own hash; after it,
-- events_seal_anchor() over the previous anchor, seq, event id and hash.
CREATE TABLE event_seals (
    seq      bigint PRIMARY KEY,
    event_id bigint NOT NULL UNIQUE REFERENCES events,
    anchor   text NOT NULL
);

-- Events committed and waiting for the sequencer: a row per event, written by
-- a trigger in the writer's own transaction (so committed with the event, or
-- not at all), deleted as the event is sealed. Different writers' rows never
-- conflict.
CREATE TABLE events_unsealed (
    event_id bigint PRIMARY KEY
);

-- The boundary: events up to this id were chained with the rule of 0005 (the
-- previous event of all, by id); later ones with the previous of their subject.
CREATE TABLE audit_chain_rules (
    one            boolean PRIMARY KEY DEFAULT true CHECK (one),
    legacy_through bigint NOT NULL
);

-- The events of before, sealed in id order (their commit order, which the
-- global lock made the same); nothing else about them changes. Under the old
-- lock, so that no event is added meanwhile.
SELECT pg_advisory_xact_lock(7301958413);
INSERT INTO audit_chain_rules (legacy_through) SELECT coalesce(max(id), 0) FROM events;
INSERT INTO event_seals (seq, event_id, anchor)
SELECT row_number() OVER (ORDER BY id), id, hash FROM events ORDER BY id;

-- The body is a repeatable definition (21_audit_chain.sql), already whole
-- here so that no event is left out between this and the definitions.
CREATE FUNCTION events_queue_for_seal() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO events_unsealed (event_id) SELECT id FROM new_events;
    RETURN NULL;
END
$$;
CREATE TRIGGER events_to_seal AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION events_queue_for_seal();

-- Seals are append-only too.
CREATE TRIGGER event_seals_no_update_or_delete BEFORE UPDATE OR DELETE ON event_seals
    FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
CREATE TRIGGER event_seals_no_truncate BEFORE TRUNCATE ON event_seals
    FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();
CREATE TRIGGER audit_chain_rules_no_change BEFORE UPDATE OR DELETE ON audit_chain_rules
    FOR EACH ROW EXECUTE FUNCTION events_refuse_change();

-- The daemon and the CLI read them (the feed, verify); events_seal() writes them.
GRANT SELECT ON event_seals, events_unsealed, audit_chain_rules TO policytrack_app;

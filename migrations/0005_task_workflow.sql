-- Task status workflow: the state machine as data, the task's working fields,
-- RAG derivation, and the append-only, hash-chained audit trail.

-- The state machine: every allowed transition, who may take it, what it needs.
-- GET /api/v1/task-statuses serves this table; docs/workflow.md shows it.
CREATE TABLE task_statuses (
    status      text PRIMARY KEY,
    label_en    text NOT NULL,
    label_zh    text NOT NULL,
    sort_order  integer NOT NULL UNIQUE
);

INSERT INTO task_statuses VALUES
    ('not_started', 'Not started', '未启动', 1),
    ('in_progress', 'In progress', '推进中', 2),
    ('blocked',     'Blocked',     '受阻',   3),
    ('completed',   'Completed',   '已完成', 4),
    ('verified',    'Verified',    '已核验', 5);

CREATE TABLE task_transitions (
    from_status     text NOT NULL REFERENCES task_statuses,
    to_status       text NOT NULL REFERENCES task_statuses,
    roles           text[] NOT NULL,    -- who may take it
    note_required   boolean NOT NULL,
    sets_progress   integer CHECK (sets_progress BETWEEN 0 AND 100),
    description_en  text NOT NULL,
    PRIMARY KEY (from_status, to_status)
);

INSERT INTO task_transitions VALUES
    ('not_started', 'in_progress', '{agency,coordinator}', false, NULL, 'Start work.'),
    ('not_started', 'blocked',     '{agency,coordinator}', true,  NULL, 'Blocked before starting; say why.'),
    ('in_progress', 'blocked',     '{agency,coordinator}', true,  NULL, 'Blocked; say why.'),
    ('in_progress', 'completed',   '{agency,coordinator}', false, 100,  'Done; progress becomes 100.'),
    ('blocked',     'in_progress', '{agency,coordinator}', false, NULL, 'Unblocked.'),
    ('completed',   'verified',    '{coordinator}',        false, NULL, 'The secretariat confirms completion.'),
    ('completed',   'in_progress', '{agency,coordinator}', true,  NULL, 'Re-opened; say why.'),
    ('verified',    'in_progress', '{coordinator}',        true,  NULL, 'Verification withdrawn and re-opened; say why.');

ALTER TABLE tasks
    ADD CONSTRAINT tasks_status_known FOREIGN KEY (status) REFERENCES task_statuses,
    ADD COLUMN last_note text CHECK (length(last_note) <= 2000),
    ADD COLUMN evidence jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(evidence) = 'array'),
    ADD COLUMN rag_override text CHECK (rag_override IN ('red', 'amber', 'green')),
    ADD COLUMN rag_override_rationale text,
    ADD COLUMN rag_override_by bigint REFERENCES users,
    ADD COLUMN rag_override_at timestamptz,
    ADD COLUMN updated_by bigint REFERENCES users,
    ADD CONSTRAINT tasks_override_explained CHECK (
        (rag_override IS NULL) = (rag_override_rationale IS NULL)),
    ADD CONSTRAINT tasks_done_is_whole CHECK (
        status NOT IN ('completed', 'verified') OR progress = 100);

-- RAG, derived (documented in docs/workflow.md):
--   red    blocked, or past its due date and not completed or verified;
--   amber  due within 30 days with progress under 50, or not updated for
--          90 days, while not completed or verified;
--   green  otherwise.
CREATE FUNCTION task_rag_derived(status text, progress integer, due_date date,
                                 updated_at timestamptz) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN status = 'blocked' THEN 'red'
        WHEN status IN ('completed', 'verified') THEN 'green'
        WHEN due_date < current_date THEN 'red'
        WHEN due_date <= current_date + 30 AND progress < 50 THEN 'amber'
        WHEN updated_at < now() - interval '90 days' THEN 'amber'
        ELSE 'green'
    END
$$;

CREATE FUNCTION task_overdue(status text, due_date date) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(due_date < current_date, false) AND status NOT IN ('completed', 'verified')
$$;

-- The audit trail. Rows are only ever inserted; each carries the hash of the
-- previous row and its own, so a rewrite anywhere breaks the chain from there.
CREATE SEQUENCE events_id_seq;

CREATE TABLE events (
    id              bigint PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor_id        bigint REFERENCES users,
    subject_type    text NOT NULL CHECK (subject_type IN ('task', 'report', 'evaluation', 'indicator_value')),
    subject_id      bigint NOT NULL,
    kind            text NOT NULL,
    changes         jsonb NOT NULL DEFAULT '{}',   -- field -> {"from": …, "to": …}
    note            text,
    prev_hash       text NOT NULL,
    hash            text NOT NULL
);

CREATE INDEX events_subject ON events (subject_type, subject_id, id);

-- The row's canonical text: what the hash covers. Times as microseconds since
-- the epoch, so the session's TimeZone cannot change the text.
CREATE FUNCTION events_row_hash(prev_hash text, id bigint, at timestamptz, actor_id bigint,
                                subject_type text, subject_id bigint, kind text,
                                changes jsonb, note text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT encode(sha256(convert_to(concat_ws(E'\x1f', prev_hash, id::text,
        (extract(epoch FROM at) * 1000000)::bigint::text, coalesce(actor_id::text, ''),
        subject_type, subject_id::text, kind, changes::text, coalesce(note, '')), 'UTF8')), 'hex')
$$;

-- Chains each new row: one writer at a time (a transaction-scoped lock), the id
-- taken under the lock, so ids, chain order and commit order agree.
CREATE FUNCTION events_chain() RETURNS trigger
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

CREATE FUNCTION events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER events_chain BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION events_chain();
CREATE TRIGGER events_no_update_or_delete BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();

-- The daemon may add and read events, nothing else.
REVOKE ALL ON events FROM policytrack_app;
GRANT SELECT, INSERT ON events TO policytrack_app;
GRANT USAGE ON SEQUENCE events_id_seq TO policytrack_app;
REVOKE ALL ON task_statuses, task_transitions FROM policytrack_app;
GRANT SELECT ON task_statuses, task_transitions TO policytrack_app;

-- One change to one task, atomically: scope, version, state machine, field
-- rights, the update and its event. The daemon calls it once per PATCH.
-- p_fields holds only the fields the client sent, already checked for type
-- and format: status, progress, due_date, evidence, rag_override.
-- outcome: ok | not_found (missing or out of the caller's scope: the same) |
-- stale | transition (409; reason is a code) | field (400; field, reason).
CREATE FUNCTION task_update(p_task bigint, p_actor bigint, p_role text, p_agency text,
                            p_province text, p_version integer, p_fields jsonb, p_note text)
RETURNS TABLE (outcome text, reason text, field text, current_version integer, task tasks)
LANGUAGE plpgsql AS $$
DECLARE
    t tasks;
    tr task_transitions;
    new_status text;
    new_progress integer;
    new_due date;
    new_evidence jsonb;
    changes jsonb := '{}';
BEGIN
    -- The audit chain's lock first, then the row: every writer takes them in
    -- this order, so a batch and a single change cannot deadlock.
    PERFORM pg_advisory_xact_lock(7301958413);
    SELECT * INTO t FROM tasks x
    WHERE x.id = p_task
      AND (p_role = 'coordinator'
           OR (p_role = 'agency' AND x.agency_code = p_agency
               AND (p_province IS NULL OR x.province_code = p_province)))
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'not_found', NULL::text, NULL::text, NULL::integer, NULL::tasks;
        RETURN;
    END IF;
    IF t.version <> p_version THEN
        RETURN QUERY SELECT 'stale', NULL::text, NULL::text, t.version, t;
        RETURN;
    END IF;

    new_status := coalesce(p_fields->>'status', t.status);
    new_progress := coalesce((p_fields->>'progress')::integer, t.progress);
    IF new_status <> t.status THEN
        SELECT * INTO tr FROM task_transitions
        WHERE from_status = t.status AND to_status = new_status;
        IF NOT FOUND THEN
            RETURN QUERY SELECT 'transition', 'transition_not_allowed', 'status', t.version, t;
            RETURN;
        END IF;
        IF NOT p_role = ANY (tr.roles) THEN
            RETURN QUERY SELECT 'transition', 'role_may_not_transition', 'status', t.version, t;
            RETURN;
        END IF;
        IF tr.note_required AND coalesce(btrim(p_note), '') = '' THEN
            RETURN QUERY SELECT 'transition', 'note_required', 'note', t.version, t;
            RETURN;
        END IF;
        IF tr.sets_progress IS NOT NULL THEN
            IF p_fields ? 'progress' AND new_progress <> tr.sets_progress THEN
                RETURN QUERY SELECT 'field', 'must be 100 (or left out) when completing', 'progress', t.version, t;
                RETURN;
            END IF;
            new_progress := tr.sets_progress;
        END IF;
    END IF;
    IF p_fields ? 'progress' AND tr.sets_progress IS NULL
       AND new_status IN ('completed', 'verified') AND new_progress <> t.progress THEN
        RETURN QUERY SELECT 'transition', 'progress_locked_when_done', 'progress', t.version, t;
        RETURN;
    END IF;

    IF p_fields ? 'due_date' AND p_role <> 'coordinator' AND t.role <> 'lead' THEN
        RETURN QUERY SELECT 'field', 'only a coordinator or the lead agency may set the due date', 'due_date', t.version, t;
        RETURN;
    END IF;
    IF p_fields ? 'rag_override' AND p_role <> 'coordinator' THEN
        RETURN QUERY SELECT 'field', 'only a coordinator may override the RAG rating', 'rag_override', t.version, t;
        RETURN;
    END IF;

    new_due := CASE WHEN p_fields ? 'due_date' THEN (p_fields->>'due_date')::date ELSE t.due_date END;
    new_evidence := coalesce(p_fields->'evidence', t.evidence);

    IF new_status IS DISTINCT FROM t.status THEN
        changes := changes || jsonb_build_object('status', jsonb_build_object('from', t.status, 'to', new_status));
    END IF;
    IF new_progress IS DISTINCT FROM t.progress THEN
        changes := changes || jsonb_build_object('progress', jsonb_build_object('from', t.progress, 'to', new_progress));
    END IF;
    IF new_due IS DISTINCT FROM t.due_date THEN
        changes := changes || jsonb_build_object('due_date', jsonb_build_object('from', t.due_date, 'to', new_due));
    END IF;
    IF new_evidence IS DISTINCT FROM t.evidence THEN
        changes := changes || jsonb_build_object('evidence', jsonb_build_object('from', t.evidence, 'to', new_evidence));
    END IF;
    IF p_fields ? 'rag_override' THEN
        changes := changes || jsonb_build_object('rag_override', jsonb_build_object(
            'from', CASE WHEN t.rag_override IS NULL THEN NULL ELSE jsonb_build_object(
                    'rating', t.rag_override, 'rationale', t.rag_override_rationale) END,
            'to', p_fields->'rag_override'));
    END IF;

    UPDATE tasks x SET
        status = new_status,
        progress = new_progress,
        due_date = new_due,
        evidence = new_evidence,
        last_note = coalesce(p_note, x.last_note),
        rag_override = CASE WHEN p_fields ? 'rag_override' THEN p_fields->'rag_override'->>'rating' ELSE x.rag_override END,
        rag_override_rationale = CASE WHEN p_fields ? 'rag_override' THEN p_fields->'rag_override'->>'rationale' ELSE x.rag_override_rationale END,
        rag_override_by = CASE WHEN p_fields ? 'rag_override' THEN
            CASE WHEN jsonb_typeof(p_fields->'rag_override') = 'null' THEN NULL ELSE p_actor END ELSE x.rag_override_by END,
        rag_override_at = CASE WHEN p_fields ? 'rag_override' THEN
            CASE WHEN jsonb_typeof(p_fields->'rag_override') = 'null' THEN NULL ELSE now() END ELSE x.rag_override_at END,
        version = x.version + 1,
        updated_at = now(),
        updated_by = p_actor
    WHERE x.id = p_task
    RETURNING x.* INTO t;

    INSERT INTO events (actor_id, subject_type, subject_id, kind, changes, note)
    VALUES (p_actor, 'task', p_task,
            CASE WHEN changes ? 'status' THEN 'task.status_changed'
                 WHEN changes = '{}' THEN 'task.noted' ELSE 'task.updated' END,
            changes, p_note);

    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, t.version, t;
END
$$;

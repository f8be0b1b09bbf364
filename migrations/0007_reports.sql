-- Reporting periods and provincial progress reports, reviewed the way DHIS2
-- approves data: draft → submitted → accepted | returned (→ draft again).
-- Accepted reports are immutable; corrections are new revisions.

CREATE TABLE periods (
    code        text PRIMARY KEY
                CHECK (code ~ '^[0-9]{4}(-(H[12]|Q[1-4]|0[1-9]|1[0-2]))?$'),
    starts_on   date NOT NULL,
    ends_on     date NOT NULL,
    due_on      date NOT NULL,
    closed_at   timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  bigint REFERENCES users,
    CHECK (ends_on >= starts_on),
    CHECK (due_on >= starts_on)
);

CREATE TABLE reports (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    province_code       text NOT NULL REFERENCES provinces,
    period_code         text NOT NULL REFERENCES periods,
    revision            integer NOT NULL DEFAULT 1 CHECK (revision > 0),
    revises_id          bigint REFERENCES reports,       -- the accepted report this corrects
    is_current          boolean NOT NULL DEFAULT true,
    state               text NOT NULL DEFAULT 'draft'
                        CHECK (state IN ('draft', 'submitted', 'accepted', 'returned')),
    summary             text NOT NULL CHECK (length(summary) BETWEEN 1 AND 20000),
    submitted_at        timestamptz,                      -- the latest submission
    first_submitted_at  timestamptz,                      -- the first, for timeliness
    reviewed_at         timestamptz,
    reviewed_by         bigint REFERENCES users,
    review_comment      text,
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    created_by          bigint NOT NULL REFERENCES users,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    idempotency_key     text CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    request_hash        text,
    UNIQUE (province_code, period_code, revision),
    CHECK ((revision = 1) = (revises_id IS NULL))
);

-- One current report per province and period; one report per key per filer.
CREATE UNIQUE INDEX reports_one_current ON reports (province_code, period_code) WHERE is_current;
CREATE UNIQUE INDEX reports_idempotency ON reports (created_by, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

CREATE TABLE report_items (
    report_id           bigint NOT NULL REFERENCES reports,
    task_id             bigint NOT NULL REFERENCES tasks,
    claimed_status      text NOT NULL REFERENCES task_statuses,
    claimed_progress    integer NOT NULL CHECK (claimed_progress BETWEEN 0 AND 100),
    narrative           text CHECK (length(narrative) <= 5000),
    evidence            jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(evidence) = 'array'),
    PRIMARY KEY (report_id, task_id)
);

-- Accepted means final: only the "is_current" flag may change (when a
-- revision supersedes it), and its items never change.
CREATE FUNCTION reports_accepted_are_final() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Everything but is_current, and that only from true to false.
    IF OLD.state = 'accepted' AND ((to_jsonb(NEW) - 'is_current') IS DISTINCT FROM (to_jsonb(OLD) - 'is_current')
                                   OR (NEW.is_current AND NOT OLD.is_current)) THEN
        RAISE EXCEPTION 'report % is accepted and cannot change; make a revision', OLD.id
            USING ERRCODE = 'PT423';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER reports_accepted_are_final BEFORE UPDATE ON reports
    FOR EACH ROW EXECUTE FUNCTION reports_accepted_are_final();

CREATE FUNCTION report_items_follow_report() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM reports WHERE id IN (NEW.report_id, OLD.report_id)
               AND state = 'accepted') THEN
        RAISE EXCEPTION 'the items of an accepted report cannot change' USING ERRCODE = 'PT423';
    END IF;
    RETURN coalesce(NEW, OLD);
END
$$;

CREATE TRIGGER report_items_follow_report BEFORE INSERT OR UPDATE OR DELETE ON report_items
    FOR EACH ROW EXECUTE FUNCTION report_items_follow_report();

-- Who may see a report: its own province's office always; everyone else once
-- it has left draft.
CREATE FUNCTION report_visible(state text, province text, p_role text, p_province text)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT state <> 'draft' OR (p_role = 'province' AND province = p_province)
$$;

-- What the caller may do with a report now (drives allowed_actions and the checks).
CREATE FUNCTION report_actions(state text, province text, period_closed boolean, is_current boolean,
                               p_role text, p_province text)
RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT array_remove(ARRAY[
        CASE WHEN p_role = 'province' AND province = p_province AND is_current
                  AND state IN ('draft', 'returned') AND NOT period_closed THEN 'edit' END,
        CASE WHEN p_role = 'province' AND province = p_province AND is_current
                  AND state IN ('draft', 'returned') AND NOT period_closed THEN 'submit' END,
        CASE WHEN p_role = 'coordinator' AND state = 'submitted' THEN 'accept' END,
        CASE WHEN p_role = 'coordinator' AND state = 'submitted' THEN 'return' END,
        CASE WHEN p_role = 'province' AND province = p_province AND is_current
                  AND state = 'accepted' AND NOT period_closed THEN 'revise' END
    ], NULL)
$$;

-- A report as the API shows it, for a caller: items with the task's recorded
-- status beside the province's claim, the discrepancies, what the caller may
-- do, and the revisions of the same province and period it may see.
CREATE FUNCTION report_json(p_report bigint, p_role text, p_province text) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', r.id, 'period', r.period_code,
        'province', json_build_object('code', p.code, 'name_zh', p.name_zh, 'name_en', p.name_en),
        'revision', r.revision, 'revises', r.revises_id, 'current', r.is_current,
        'state', r.state, 'summary', r.summary,
        'submitted_at', r.submitted_at, 'first_submitted_at', r.first_submitted_at,
        'reviewed_at', r.reviewed_at, 'review_comment', r.review_comment,
        'version', r.version, 'created_at', r.created_at, 'updated_at', r.updated_at,
        'items', (SELECT coalesce(json_agg(json_build_object(
                'task', t.id, 'measure', m.code, 'agency', t.agency_code,
                'claimed', json_build_object('status', i.claimed_status, 'progress', i.claimed_progress),
                'recorded', json_build_object('status', t.status, 'progress', t.progress),
                'disagrees', i.claimed_status <> t.status OR i.claimed_progress <> t.progress,
                'narrative', i.narrative, 'evidence', i.evidence) ORDER BY t.id), '[]')
            FROM report_items i JOIN tasks t ON t.id = i.task_id JOIN measures m ON m.id = t.measure_id
            WHERE i.report_id = r.id),
        'discrepancies', (SELECT count(*) FROM report_items i JOIN tasks t ON t.id = i.task_id
            WHERE i.report_id = r.id
              AND (i.claimed_status <> t.status OR i.claimed_progress <> t.progress)),
        'allowed_actions', to_json(report_actions(r.state, r.province_code, pe.closed_at IS NOT NULL,
                                                  r.is_current, p_role, p_province)),
        'revisions', (SELECT json_agg(json_build_object('id', x.id, 'revision', x.revision,
                                                        'state', x.state, 'current', x.is_current)
                                      ORDER BY x.revision)
            FROM reports x WHERE x.province_code = r.province_code AND x.period_code = r.period_code
              AND report_visible(x.state, x.province_code, p_role, p_province)))
    FROM reports r JOIN periods pe ON pe.code = r.period_code JOIN provinces p ON p.code = r.province_code
    WHERE r.id = p_report AND report_visible(r.state, r.province_code, p_role, p_province)
$$;

-- Items as given by the client: [{task, status, progress, narrative, evidence}].
-- Tasks must be the province's own.
CREATE FUNCTION report_items_check(p_province text, p_items jsonb) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT 'items[' || (i.n - 1) || '].task'
    FROM jsonb_array_elements(p_items) WITH ORDINALITY AS i(item, n)
    WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = (i.item->>'task')::bigint
                      AND t.province_code = p_province)
    ORDER BY i.n LIMIT 1
$$;

CREATE FUNCTION report_items_put(p_report bigint, p_items jsonb) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO report_items (report_id, task_id, claimed_status, claimed_progress, narrative, evidence)
    SELECT p_report, (item->>'task')::bigint, item->>'status', (item->>'progress')::integer,
           item->>'narrative', coalesce(item->'evidence', '[]')
    FROM jsonb_array_elements(p_items) AS item
$$;

-- outcome: ok | replay (same key, same body: the earlier report) |
-- key_reused (422) | field (400: reason, field) | conflict (409: reason code)
CREATE FUNCTION report_create(p_actor bigint, p_role text, p_province text, p_period text,
                              p_summary text, p_items jsonb, p_key text, p_hash text)
RETURNS TABLE (outcome text, reason text, field text, report_id bigint, report json)
LANGUAGE plpgsql AS $$
DECLARE
    per periods;
    existing reports;
    bad text;
    new_id bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(7301958413);  -- the chain's lock before any row: see task_update()
    IF p_key IS NOT NULL THEN
        SELECT * INTO existing FROM reports WHERE created_by = p_actor AND idempotency_key = p_key;
        IF FOUND THEN
            IF existing.request_hash = p_hash THEN
                RETURN QUERY SELECT 'replay', NULL::text, NULL::text, existing.id, report_json(existing.id, p_role, p_province);
            ELSE
                RETURN QUERY SELECT 'key_reused', NULL::text, NULL::text, existing.id, NULL::json;
            END IF;
            RETURN;
        END IF;
    END IF;
    SELECT * INTO per FROM periods WHERE code = p_period;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'field', 'no such period', 'period', NULL::bigint, NULL::json;
        RETURN;
    END IF;
    IF per.closed_at IS NOT NULL THEN
        RETURN QUERY SELECT 'conflict', 'period_closed', NULL::text, NULL::bigint, NULL::json;
        RETURN;
    END IF;
    bad := report_items_check(p_province, p_items);
    IF bad IS NOT NULL THEN
        RETURN QUERY SELECT 'field', 'not a task of your province', bad, NULL::bigint, NULL::json;
        RETURN;
    END IF;
    SELECT * INTO existing FROM reports
    WHERE province_code = p_province AND period_code = p_period AND is_current;
    IF FOUND THEN
        -- A twin with the same key may have committed since the first look.
        IF p_key IS NOT NULL AND existing.created_by = p_actor AND existing.idempotency_key = p_key THEN
            RETURN QUERY SELECT CASE WHEN existing.request_hash = p_hash THEN 'replay' ELSE 'key_reused' END,
                                NULL::text, NULL::text, existing.id,
                                CASE WHEN existing.request_hash = p_hash
                                     THEN report_json(existing.id, p_role, p_province) END;
        ELSE
            RETURN QUERY SELECT 'conflict', 'report_exists', NULL::text, existing.id, NULL::json;
        END IF;
        RETURN;
    END IF;
    BEGIN
        INSERT INTO reports (province_code, period_code, summary, created_by, idempotency_key, request_hash)
        VALUES (p_province, p_period, p_summary, p_actor, p_key, p_hash)
        RETURNING id INTO new_id;
    EXCEPTION WHEN unique_violation THEN
        -- A concurrent request won: with the same key it is this request's twin.
        SELECT * INTO existing FROM reports WHERE created_by = p_actor AND idempotency_key = p_key;
        IF FOUND THEN
            RETURN QUERY SELECT CASE WHEN existing.request_hash = p_hash THEN 'replay' ELSE 'key_reused' END,
                                NULL::text, NULL::text, existing.id,
                                CASE WHEN existing.request_hash = p_hash
                                     THEN report_json(existing.id, p_role, p_province) END;
        ELSE
            RETURN QUERY SELECT 'conflict', 'report_exists', NULL::text, NULL::bigint, NULL::json;
        END IF;
        RETURN;
    END;
    PERFORM report_items_put(new_id, p_items);
    INSERT INTO events (actor_id, subject_type, subject_id, kind, changes)
    VALUES (p_actor, 'report', new_id, 'report.created',
            jsonb_build_object('state', jsonb_build_object('from', NULL, 'to', 'draft')));
    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, new_id, report_json(new_id, p_role, p_province);
END
$$;

-- Edits a draft (or a returned report, which becomes a draft again).
-- p_summary NULL keeps it; p_items NULL keeps the items, else replaces them.
CREATE FUNCTION report_edit(p_report bigint, p_actor bigint, p_role text, p_province text,
                            p_summary text, p_items jsonb)
RETURNS TABLE (outcome text, reason text, field text, report json)
LANGUAGE plpgsql AS $$
DECLARE
    r reports;
    closed boolean;
    bad text;
BEGIN
    PERFORM pg_advisory_xact_lock(7301958413);
    SELECT * INTO r FROM reports WHERE id = p_report FOR UPDATE;
    -- Another province's report is not there for this caller, whatever its state.
    IF NOT FOUND OR NOT report_visible(r.state, r.province_code, p_role, p_province)
       OR (p_role = 'province' AND r.province_code <> p_province) THEN
        RETURN QUERY SELECT 'not_found', NULL::text, NULL::text, NULL::json;
        RETURN;
    END IF;
    SELECT closed_at IS NOT NULL INTO closed FROM periods WHERE code = r.period_code;
    IF p_role <> 'province' OR r.province_code <> p_province THEN
        RETURN QUERY SELECT 'forbidden', NULL::text, NULL::text, NULL::json;
        RETURN;
    END IF;
    IF NOT r.is_current THEN
        RETURN QUERY SELECT 'conflict', 'report_superseded', NULL::text, NULL::json;
        RETURN;
    END IF;
    IF closed THEN
        RETURN QUERY SELECT 'conflict', 'period_closed', NULL::text, NULL::json;
        RETURN;
    END IF;
    IF r.state = 'accepted' THEN
        RETURN QUERY SELECT 'conflict', 'report_accepted', NULL::text, NULL::json;
        RETURN;
    END IF;
    IF r.state = 'submitted' THEN
        RETURN QUERY SELECT 'conflict', 'report_submitted', NULL::text, NULL::json;
        RETURN;
    END IF;
    IF p_items IS NOT NULL THEN
        bad := report_items_check(p_province, p_items);
        IF bad IS NOT NULL THEN
            RETURN QUERY SELECT 'field', 'not a task of your province', bad, NULL::json;
            RETURN;
        END IF;
        DELETE FROM report_items WHERE report_id = p_report;
        PERFORM report_items_put(p_report, p_items);
    END IF;
    UPDATE reports SET summary = coalesce(p_summary, summary), state = 'draft',
                       version = version + 1, updated_at = now()
    WHERE id = p_report;
    INSERT INTO events (actor_id, subject_type, subject_id, kind, changes)
    VALUES (p_actor, 'report', p_report, 'report.edited',
            CASE WHEN r.state = 'returned'
                 THEN jsonb_build_object('state', jsonb_build_object('from', 'returned', 'to', 'draft'))
                 ELSE '{}' END);
    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, report_json(p_report, p_role, p_province);
END
$$;

-- submit | accept | return | revise. Revise makes a new draft revision of an
-- accepted report (copying its items) and returns the new id.
CREATE FUNCTION report_act(p_report bigint, p_actor bigint, p_role text, p_province text,
                           p_action text, p_comment text)
RETURNS TABLE (outcome text, reason text, report_id bigint, report json)
LANGUAGE plpgsql AS $$
DECLARE
    r reports;
    closed boolean;
    new_id bigint;
    new_state text;
BEGIN
    PERFORM pg_advisory_xact_lock(7301958413);
    SELECT * INTO r FROM reports WHERE id = p_report FOR UPDATE;
    IF NOT FOUND OR NOT report_visible(r.state, r.province_code, p_role, p_province)
       OR (p_role = 'province' AND r.province_code <> p_province) THEN
        RETURN QUERY SELECT 'not_found', NULL::text, NULL::bigint, NULL::json;
        RETURN;
    END IF;
    SELECT closed_at IS NOT NULL INTO closed FROM periods WHERE code = r.period_code;
    IF NOT p_action = ANY (report_actions(r.state, r.province_code, closed, r.is_current, p_role, p_province)) THEN
        RETURN QUERY SELECT 'conflict',
            CASE WHEN NOT r.is_current THEN 'report_superseded'
                 WHEN closed AND p_action IN ('submit', 'revise') THEN 'period_closed'
                 WHEN r.state = 'accepted' THEN 'report_accepted'
                 WHEN r.state = 'submitted' AND p_action = 'submit' THEN 'report_submitted'
                 ELSE 'action_not_allowed' END,
            r.id, NULL::json;
        RETURN;
    END IF;
    IF p_action = 'return' AND coalesce(btrim(p_comment), '') = '' THEN
        RETURN QUERY SELECT 'field', 'comment_required', r.id, NULL::json;
        RETURN;
    END IF;
    IF p_action = 'revise' THEN
        UPDATE reports SET is_current = false WHERE id = r.id;
        INSERT INTO reports (province_code, period_code, revision, revises_id, summary, created_by,
                             first_submitted_at)
        VALUES (r.province_code, r.period_code, r.revision + 1, r.id, r.summary, p_actor,
                r.first_submitted_at)
        RETURNING id INTO new_id;
        INSERT INTO report_items (report_id, task_id, claimed_status, claimed_progress, narrative, evidence)
        SELECT new_id, task_id, claimed_status, claimed_progress, narrative, evidence
        FROM report_items WHERE report_items.report_id = r.id;
        INSERT INTO events (actor_id, subject_type, subject_id, kind, changes, note)
        VALUES (p_actor, 'report', new_id, 'report.revised',
                jsonb_build_object('revises', r.id, 'revision', r.revision + 1), p_comment);
        RETURN QUERY SELECT 'ok', NULL::text, new_id, report_json(new_id, p_role, p_province);
        RETURN;
    END IF;
    new_state := CASE p_action WHEN 'submit' THEN 'submitted' WHEN 'accept' THEN 'accepted'
                               ELSE 'returned' END;
    UPDATE reports SET
        state = new_state,
        submitted_at = CASE WHEN p_action = 'submit' THEN now() ELSE submitted_at END,
        first_submitted_at = CASE WHEN p_action = 'submit' THEN coalesce(first_submitted_at, now())
                                  ELSE first_submitted_at END,
        reviewed_at = CASE WHEN p_action IN ('accept', 'return') THEN now() ELSE reviewed_at END,
        reviewed_by = CASE WHEN p_action IN ('accept', 'return') THEN p_actor ELSE reviewed_by END,
        review_comment = CASE WHEN p_action IN ('accept', 'return') THEN p_comment ELSE review_comment END,
        version = version + 1,
        updated_at = now()
    WHERE id = r.id;
    INSERT INTO events (actor_id, subject_type, subject_id, kind, changes, note)
    VALUES (p_actor, 'report', r.id, 'report.' || new_state,
            jsonb_build_object('state', jsonb_build_object('from', r.state, 'to', new_state)), p_comment);
    RETURN QUERY SELECT 'ok', NULL::text, r.id, report_json(r.id, p_role, p_province);
END
$$;

GRANT SELECT, INSERT, UPDATE ON periods, reports TO policytrack_app;
GRANT SELECT, INSERT, DELETE ON report_items TO policytrack_app;
-- Reports and periods are never deleted; items are replaced while a draft is edited.
REVOKE DELETE ON periods, reports FROM policytrack_app;

-- Reports' rules and JSON shape (0007): accepted reports are final, who may
-- see and act on a report, and the items' checks.

-- Accepted means final: only the "is_current" flag may change (when a
-- revision supersedes it), and its items never change.
CREATE OR REPLACE FUNCTION reports_accepted_are_final() RETURNS trigger
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

CREATE OR REPLACE FUNCTION report_items_follow_report() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM reports WHERE id IN (NEW.report_id, OLD.report_id)
               AND state = 'accepted') THEN
        RAISE EXCEPTION 'the items of an accepted report cannot change' USING ERRCODE = 'PT423';
    END IF;
    RETURN coalesce(NEW, OLD);
END
$$;

-- Who may see a report: its own province's office always; everyone else once
-- it has left draft.
CREATE OR REPLACE FUNCTION report_visible(state text, province text, p_role text, p_province text)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT state <> 'draft' OR (p_role = 'province' AND province = p_province)
$$;

-- What the caller may do with a report now (drives allowed_actions and the checks).
CREATE OR REPLACE FUNCTION report_actions(state text, province text, period_closed boolean, is_current boolean,
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
CREATE OR REPLACE FUNCTION report_json(p_report bigint, p_role text, p_province text) RETURNS json
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
        -- accept waits for the province's node reports (bottom-up, 62_org_nodes.sql).
        'allowed_actions', to_json(array_remove(
            report_actions(r.state, r.province_code, pe.closed_at IS NOT NULL, r.is_current, p_role, p_province),
            CASE WHEN EXISTS (SELECT 1 FROM node_reports x
                              WHERE x.province_code = r.province_code AND x.period_code = r.period_code
                                AND x.state <> 'approved') THEN 'accept' END)),
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
CREATE OR REPLACE FUNCTION report_items_check(p_province text, p_items jsonb) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT 'items[' || (i.n - 1) || '].task'
    FROM jsonb_array_elements(p_items) WITH ORDINALITY AS i(item, n)
    WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = (i.item->>'task')::bigint
                      AND t.province_code = p_province)
    ORDER BY i.n LIMIT 1
$$;

CREATE OR REPLACE FUNCTION report_items_put(p_report bigint, p_items jsonb) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO report_items (report_id, task_id, claimed_status, claimed_progress, narrative, evidence)
    SELECT p_report, (item->>'task')::bigint, item->>'status', (item->>'progress')::integer,
           item->>'narrative', coalesce(item->'evidence', '[]')
    FROM jsonb_array_elements(p_items) AS item
$$;

-- The items whose status is not one of the workflow's (task_statuses), as a
-- refusal's errors: {"items[2].status": "must be a task status"}; NULL when
-- every item's is.
CREATE OR REPLACE FUNCTION report_items_status_errors(p_items jsonb) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_object_agg('items[' || (i.n - 1) || '].status', 'must be a task status' ORDER BY i.n)
    FROM jsonb_array_elements(p_items) WITH ORDINALITY AS i(item, n)
    WHERE NOT EXISTS (SELECT 1 FROM task_statuses s
                      WHERE jsonb_typeof(i.item->'status') = 'string'
                        AND s.status = i.item->>'status')
$$;

-- The state everyone but the drafting office sees of a province's current
-- report, the same in the summary, reporting compliance and the reminders.
-- A draft is its office's own: a first draft shows as missing; a correction
-- drafted after acceptance leaves the accepted revision standing; a returned
-- report being edited (submitted before) still shows as returned. So a
-- report that has been filed never shows as missing.
CREATE OR REPLACE FUNCTION report_shown_state(p_state text, p_revises bigint,
                                              p_first_submitted timestamptz)
RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_state IS NULL THEN 'missing'
                WHEN p_state <> 'draft' THEN p_state
                WHEN p_revises IS NOT NULL THEN 'accepted'
                WHEN p_first_submitted IS NOT NULL THEN 'returned'
                ELSE 'missing' END
$$;

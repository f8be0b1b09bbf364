-- submit | accept | return | revise. Revise makes a new draft revision of an
-- accepted report (copying its items) and returns the new id. Answers as
-- every write does (lib/api/refusal.h); refused for not_found, invalid
-- (comment), or when the action is not open to the caller now:
-- report_superseded, period_closed, report_accepted, report_submitted, else
-- action_not_allowed; node_reports_pending when accepting before every node
-- report of the province and period is approved (62_org_nodes.sql).
DROP FUNCTION IF EXISTS report_act(bigint, bigint, text, text, text, text);
CREATE FUNCTION report_act(p_report bigint, p_actor bigint, p_role text, p_province text,
                           p_action text, p_comment text)
RETURNS TABLE (outcome text, reason text, field text, detail text, report_id bigint, report json)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    r reports;
    closed boolean;
    new_id bigint;
    new_state text;
BEGIN
    PERFORM audit_write_lock(true);  -- exclusive, before any row (09_audit_locks.sql)
    SELECT * INTO r FROM reports WHERE id = p_report FOR UPDATE;
    IF NOT FOUND OR NOT report_visible(r.state, r.province_code, p_role, p_province)
       OR (p_role = 'province' AND r.province_code <> p_province) THEN
        RETURN QUERY SELECT 'refused', 'not_found', NULL::text,
                            refusal_not_found('report', p_report::text), NULL::bigint, NULL::json;
        RETURN;
    END IF;
    SELECT closed_at IS NOT NULL INTO closed FROM periods WHERE code = r.period_code;
    IF NOT p_action = ANY (report_actions(r.state, r.province_code, closed, r.is_current, p_role, p_province)) THEN
        RETURN QUERY SELECT 'refused',
            CASE WHEN NOT r.is_current THEN 'report_superseded'
                 WHEN closed AND p_action IN ('submit', 'revise') THEN 'period_closed'
                 WHEN r.state = 'accepted' THEN 'report_accepted'
                 WHEN r.state = 'submitted' AND p_action = 'submit' THEN 'report_submitted'
                 ELSE 'action_not_allowed' END,
            NULL::text, NULL::text, r.id, NULL::json;
        RETURN;
    END IF;
    IF p_action = 'return' AND coalesce(btrim(p_comment), '') = '' THEN
        RETURN QUERY SELECT 'refused', 'invalid', 'comment',
                            'returning a report needs a comment saying why', r.id, NULL::json;
        RETURN;
    END IF;
    -- Bottom-up (issue 20): the province's report after its nodes' (node_reports).
    IF p_action = 'accept' AND EXISTS (SELECT 1 FROM node_reports x
                                       WHERE x.province_code = r.province_code
                                         AND x.period_code = r.period_code AND x.state <> 'approved') THEN
        RETURN QUERY SELECT 'refused', 'node_reports_pending', NULL::text,
                            format('the reports of %s''s cities, counties and zones for %s come first: '
                                   'approve them all (GET /api/v1/provinces/%s/node-reports/%s)',
                                   r.province_code, r.period_code, r.province_code, r.period_code),
                            r.id, NULL::json;
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
        RETURN QUERY SELECT 'ok', NULL::text, NULL::text, NULL::text, new_id,
                            report_json(new_id, p_role, p_province);
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
    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, NULL::text, r.id,
                        report_json(r.id, p_role, p_province);
END
$$;

-- Edits a draft (or a returned report, which becomes a draft again).
-- p_summary NULL keeps it; p_items NULL keeps the items, else replaces them.
-- Answers as every write does (lib/api/refusal.h); refused for invalid
-- (items[i].status, checked first as the body's other checks are), not_found,
-- not_own_report, report_superseded, period_closed, report_accepted,
-- report_submitted or invalid (items[i].task).
DROP FUNCTION IF EXISTS report_edit(bigint, bigint, text, text, text, jsonb);
CREATE FUNCTION report_edit(p_report bigint, p_actor bigint, p_role text, p_province text,
                            p_summary text, p_items jsonb)
RETURNS TABLE (outcome text, reason text, field text, detail text, errors json, report json)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    r reports;
    closed boolean;
    bad text;
BEGIN
    IF report_items_status_errors(p_items) IS NOT NULL THEN
        RETURN QUERY SELECT 'refused', 'invalid', NULL::text, NULL::text,
                            report_items_status_errors(p_items), NULL::json;
        RETURN;
    END IF;
    PERFORM audit_write_lock(true);  -- exclusive, before any row (09_audit_locks.sql)
    SELECT * INTO r FROM reports WHERE id = p_report FOR UPDATE;
    -- Another province's report is not there for this caller, whatever its state.
    IF NOT FOUND OR NOT report_visible(r.state, r.province_code, p_role, p_province)
       OR (p_role = 'province' AND r.province_code <> p_province) THEN
        RETURN QUERY SELECT 'refused', 'not_found', NULL::text,
                            refusal_not_found('report', p_report::text), NULL::json, NULL::json;
        RETURN;
    END IF;
    SELECT closed_at IS NOT NULL INTO closed FROM periods WHERE code = r.period_code;
    IF p_role <> 'province' OR r.province_code <> p_province THEN
        RETURN QUERY SELECT 'refused', 'not_own_report', NULL::text, NULL::text, NULL::json, NULL::json;
        RETURN;
    END IF;
    IF NOT r.is_current THEN
        RETURN QUERY SELECT 'refused', 'report_superseded', NULL::text, NULL::text, NULL::json, NULL::json;
        RETURN;
    END IF;
    IF closed THEN
        RETURN QUERY SELECT 'refused', 'period_closed', NULL::text, NULL::text, NULL::json, NULL::json;
        RETURN;
    END IF;
    IF r.state = 'accepted' THEN
        RETURN QUERY SELECT 'refused', 'report_accepted', NULL::text, NULL::text, NULL::json, NULL::json;
        RETURN;
    END IF;
    IF r.state = 'submitted' THEN
        RETURN QUERY SELECT 'refused', 'report_submitted', NULL::text, NULL::text, NULL::json, NULL::json;
        RETURN;
    END IF;
    IF p_items IS NOT NULL THEN
        bad := report_items_check(p_province, p_items);
        IF bad IS NOT NULL THEN
            RETURN QUERY SELECT 'refused', 'invalid', bad, 'not a task of your province', NULL::json, NULL::json;
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
    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, NULL::text, NULL::json,
                        report_json(p_report, p_role, p_province);
END
$$;

-- Files a report, once per Idempotency-Key: the same key with the same body
-- (p_hash) is the earlier report again (ok, replayed). Answers as every write
-- does (lib/api/refusal.h); refused for invalid (items[i].status, checked
-- first as the body's other checks are; period; items[i].task),
-- idempotency_key_reused (the key with another body), period_closed or
-- report_exists.
DROP FUNCTION IF EXISTS report_create(bigint, text, text, text, text, jsonb, text, text);

-- The answer to a filing whose key names an earlier report: that report again
-- when the body is the same, else refused.
CREATE OR REPLACE FUNCTION report_create_replay(existing reports, p_hash text, p_role text,
                                                p_province text)
RETURNS TABLE (outcome text, reason text, field text, detail text, errors json,
               replayed boolean, report_id bigint, report json)
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN existing.request_hash = p_hash THEN 'ok' ELSE 'refused' END,
           CASE WHEN existing.request_hash = p_hash THEN NULL ELSE 'idempotency_key_reused' END,
           NULL::text, NULL::text, NULL::json, existing.request_hash = p_hash, existing.id,
           CASE WHEN existing.request_hash = p_hash THEN report_json(existing.id, p_role, p_province) END
$$;

CREATE FUNCTION report_create(p_actor bigint, p_role text, p_province text, p_period text,
                              p_summary text, p_items jsonb, p_key text, p_hash text)
RETURNS TABLE (outcome text, reason text, field text, detail text, errors json,
               replayed boolean, report_id bigint, report json)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    per periods;
    existing reports;
    bad text;
    new_id bigint;
BEGIN
    IF report_items_status_errors(p_items) IS NOT NULL THEN
        RETURN QUERY SELECT 'refused', 'invalid', NULL::text, NULL::text,
                            report_items_status_errors(p_items), false, NULL::bigint, NULL::json;
        RETURN;
    END IF;
    PERFORM audit_write_lock(true);  -- exclusive, before any row (09_audit_locks.sql)
    IF p_key IS NOT NULL THEN
        SELECT * INTO existing FROM reports WHERE created_by = p_actor AND idempotency_key = p_key;
        IF FOUND THEN
            RETURN QUERY SELECT * FROM report_create_replay(existing, p_hash, p_role, p_province);
            RETURN;
        END IF;
    END IF;
    SELECT * INTO per FROM periods WHERE code = p_period;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'refused', 'invalid', 'period', 'no such period', NULL::json, false, NULL::bigint,
                            NULL::json;
        RETURN;
    END IF;
    IF per.closed_at IS NOT NULL THEN
        RETURN QUERY SELECT 'refused', 'period_closed', NULL::text, NULL::text, NULL::json, false, NULL::bigint,
                            NULL::json;
        RETURN;
    END IF;
    bad := report_items_check(p_province, p_items);
    IF bad IS NOT NULL THEN
        RETURN QUERY SELECT 'refused', 'invalid', bad, 'not a task of your province', NULL::json, false,
                            NULL::bigint, NULL::json;
        RETURN;
    END IF;
    SELECT * INTO existing FROM reports
    WHERE province_code = p_province AND period_code = p_period AND is_current;
    IF FOUND THEN
        -- A twin with the same key may have committed since the first look.
        IF p_key IS NOT NULL AND existing.created_by = p_actor AND existing.idempotency_key = p_key THEN
            RETURN QUERY SELECT * FROM report_create_replay(existing, p_hash, p_role, p_province);
        ELSE
            RETURN QUERY SELECT 'refused', 'report_exists', NULL::text, NULL::text, NULL::json, false, existing.id,
                                NULL::json;
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
            RETURN QUERY SELECT * FROM report_create_replay(existing, p_hash, p_role, p_province);
        ELSE
            RETURN QUERY SELECT 'refused', 'report_exists', NULL::text, NULL::text, NULL::json, false,
                                NULL::bigint, NULL::json;
        END IF;
        RETURN;
    END;
    PERFORM report_items_put(new_id, p_items);
    INSERT INTO events (actor_id, subject_type, subject_id, kind, changes)
    VALUES (p_actor, 'report', new_id, 'report.created',
            jsonb_build_object('state', jsonb_build_object('from', NULL, 'to', 'draft')));
    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, NULL::text, NULL::json, false, new_id,
                        report_json(new_id, p_role, p_province);
END
$$;

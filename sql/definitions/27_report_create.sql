-- Filing a report (0007).

-- outcome: ok | replay (same key, same body: the earlier report) |
-- key_reused (422) | field (400: reason, field) | conflict (409: reason code)
CREATE OR REPLACE FUNCTION report_create(p_actor bigint, p_role text, p_province text, p_period text,
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

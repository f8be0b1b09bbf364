-- Opening, closing and re-opening reporting periods. Each answers as every
-- write does (lib/api/refusal.h), with the period as it now is.

-- Opens a period. Refused: period_exists, or invalid (ends_on) when a date
-- comes before the start (the table's checks say so).
CREATE OR REPLACE FUNCTION period_create(p_actor bigint, p_code text, p_starts date, p_ends date,
                                         p_due date)
RETURNS TABLE (outcome text, reason text, field text, detail text, period periods)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    pe periods;
BEGIN
    INSERT INTO periods (code, starts_on, ends_on, due_on, created_by)
    VALUES (p_code, p_starts, p_ends, p_due, p_actor)
    RETURNING * INTO pe;
    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, NULL::text, pe;
EXCEPTION
    WHEN unique_violation THEN
        RETURN QUERY SELECT 'refused', 'period_exists', NULL::text, NULL::text, NULL::periods;
    WHEN check_violation THEN
        RETURN QUERY SELECT 'refused', 'invalid', 'ends_on',
                            'a period ends on or after it starts, and is due on or after it starts',
                            NULL::periods;
END
$$;

-- Closes a period (p_closed) or re-opens it, with its event, whose note is the
-- reason given (the API requires one to re-open). Refused: not_found.
DROP FUNCTION IF EXISTS period_set_closed(bigint, text, boolean);
CREATE OR REPLACE FUNCTION period_set_closed(p_actor bigint, p_code text, p_closed boolean,
                                             p_reason text)
RETURNS TABLE (outcome text, reason text, field text, detail text, period periods)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    pe periods;
BEGIN
    PERFORM audit_write_lock(true);  -- exclusive, before any row (09_audit_locks.sql)
    UPDATE periods SET closed_at = CASE WHEN p_closed THEN coalesce(closed_at, now()) END
    WHERE code = p_code
    RETURNING * INTO pe;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'refused', 'not_found', NULL::text,
                            refusal_not_found('period', p_code), NULL::periods;
        RETURN;
    END IF;
    INSERT INTO events (actor_id, subject_type, subject_id, kind, changes, note)
    VALUES (p_actor, 'report', 0, CASE WHEN p_closed THEN 'period.closed' ELSE 'period.reopened' END,
            jsonb_build_object('period', pe.code), p_reason);
    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, NULL::text, pe;
END
$$;

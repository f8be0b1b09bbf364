-- Records an evaluation, superseding the current one for the same subject and period.
-- Answers as every write does (lib/api/refusal.h); refused for invalid
-- (period, subject) when what it names does not exist.
DROP FUNCTION IF EXISTS evaluation_record(bigint, text, text, text, numeric, text);
CREATE FUNCTION evaluation_record(p_actor bigint, p_type text, p_subject text, p_period text,
                                  p_score numeric, p_findings text)
RETURNS TABLE (outcome text, reason text, field text, detail text, evaluation_id bigint,
               evaluation json)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    prev bigint;
    new_id bigint;
BEGIN
    PERFORM audit_write_lock(true);  -- exclusive, before any row (09_audit_locks.sql)
    IF NOT EXISTS (SELECT 1 FROM periods WHERE code = p_period) THEN
        RETURN QUERY SELECT 'refused', 'invalid', 'period', 'no such period', NULL::bigint, NULL::json;
        RETURN;
    END IF;
    IF (p_type = 'task' AND NOT EXISTS (SELECT 1 FROM tasks WHERE id::text = p_subject))
       OR (p_type = 'measure' AND NOT EXISTS (SELECT 1 FROM measures WHERE code = p_subject))
       OR (p_type = 'province' AND NOT EXISTS (SELECT 1 FROM provinces WHERE code = p_subject)) THEN
        RETURN QUERY SELECT 'refused', 'invalid', 'subject', 'no such task, measure or province',
                            NULL::bigint, NULL::json;
        RETURN;
    END IF;
    UPDATE evaluations SET is_current = false
    WHERE subject_type = p_type AND subject = p_subject AND period_code = p_period AND is_current
    RETURNING id INTO prev;
    INSERT INTO evaluations (subject_type, subject, period_code, score, rating, findings,
                             evaluator_id, supersedes_id)
    VALUES (p_type, p_subject, p_period, p_score, evaluation_rating(p_score), p_findings, p_actor, prev)
    RETURNING id INTO new_id;
    INSERT INTO events (actor_id, subject_type, subject_id, kind, changes)
    VALUES (p_actor, 'evaluation', new_id, 'evaluation.recorded',
            jsonb_build_object('subject_type', p_type, 'subject', p_subject, 'period', p_period,
                               'score', p_score, 'supersedes', prev));
    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, NULL::text, new_id, evaluation_json(new_id);
END
$$;

-- Evaluations' rules and JSON shape (0008).

-- Score bands: excellent 85–100, good 70–84.99, fair 55–69.99, poor below 55.
CREATE OR REPLACE FUNCTION evaluation_rating(score numeric) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN score >= 85 THEN 'excellent' WHEN score >= 70 THEN 'good'
                WHEN score >= 55 THEN 'fair' ELSE 'poor' END
$$;

-- Evaluations are never edited: the only change allowed is being superseded.
CREATE OR REPLACE FUNCTION evaluations_never_edited() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.subject_type, NEW.subject, NEW.period_code, NEW.score, NEW.rating, NEW.findings,
        NEW.evaluator_id, NEW.created_at, NEW.supersedes_id)
       IS DISTINCT FROM (OLD.subject_type, OLD.subject, OLD.period_code, OLD.score, OLD.rating,
        OLD.findings, OLD.evaluator_id, OLD.created_at, OLD.supersedes_id)
       OR (NEW.is_current AND NOT OLD.is_current) THEN
        RAISE EXCEPTION 'evaluations are never edited; record a new one' USING ERRCODE = 'PT423';
    END IF;
    RETURN NEW;
END
$$;

-- An evaluation as the API shows it: with its evaluator named and its place
-- in the chain of supersession.
CREATE OR REPLACE FUNCTION evaluation_json(p_id bigint) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', e.id, 'subject_type', e.subject_type, 'subject', e.subject,
        'period', e.period_code, 'score', e.score, 'rating', e.rating, 'findings', e.findings,
        'evaluator', json_build_object('username', u.username, 'display_name', u.display_name),
        'created_at', e.created_at, 'current', e.is_current, 'supersedes', e.supersedes_id,
        'superseded_by', (SELECT x.id FROM evaluations x WHERE x.supersedes_id = e.id))
    FROM evaluations e JOIN users u ON u.id = e.evaluator_id WHERE e.id = p_id
$$;

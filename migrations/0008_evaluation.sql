-- Evaluation: indicators from the notice's goals (chapter 二(二)), recorded
-- values per province and year against the national value or a target,
-- scored evaluations that are superseded, never edited, and the data the
-- scorecard combines. No figure is invented here: only definitions are seeded.

CREATE TABLE indicators (
    code            text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{2,40}$'),
    name_zh         text NOT NULL,
    name_en         text NOT NULL,
    unit            text NOT NULL,
    direction       text NOT NULL CHECK (direction IN ('higher_better', 'lower_better')),
    comparison      text NOT NULL CHECK (comparison IN ('national', 'target')),
    weight          numeric NOT NULL DEFAULT 1 CHECK (weight >= 0),
    goal_zh         text,           -- the goal's words, verbatim from 二(二)
    description_en  text NOT NULL,
    seeded          boolean NOT NULL DEFAULT false,
    created_by      bigint REFERENCES users,
    created_at      timestamptz NOT NULL DEFAULT now()
);

INSERT INTO indicators (code, name_zh, name_en, unit, direction, comparison, goal_zh, description_en, seeded) VALUES
    ('patent_growth', '专利年均增长率', 'Annual growth of patents', '%', 'higher_better', 'national',
     '专利、商标、版权等各类知识产权年均增长率、人均拥有量高于全国平均水平',
     'Average annual growth rate of patents held; the goal is to beat the national average.', true),
    ('patent_per_10k', '每万人专利拥有量', 'Patents per 10,000 people', 'per 10,000 people', 'higher_better', 'national',
     '专利、商标、版权等各类知识产权年均增长率、人均拥有量高于全国平均水平',
     'Patents held per 10,000 residents; the goal is to beat the national average.', true),
    ('trademark_growth', '商标年均增长率', 'Annual growth of trademarks', '%', 'higher_better', 'national',
     '专利、商标、版权等各类知识产权年均增长率、人均拥有量高于全国平均水平',
     'Average annual growth rate of registered trademarks; the goal is to beat the national average.', true),
    ('trademark_per_10k', '每万人商标拥有量', 'Trademarks per 10,000 people', 'per 10,000 people', 'higher_better', 'national',
     '专利、商标、版权等各类知识产权年均增长率、人均拥有量高于全国平均水平',
     'Registered trademarks per 10,000 residents; the goal is to beat the national average.', true),
    ('copyright_growth', '版权年均增长率', 'Annual growth of copyright registrations', '%', 'higher_better', 'national',
     '专利、商标、版权等各类知识产权年均增长率、人均拥有量高于全国平均水平',
     'Average annual growth rate of copyright registrations; the goal is to beat the national average.', true),
    ('copyright_per_10k', '每万人版权登记量', 'Copyright registrations per 10,000 people', 'per 10,000 people', 'higher_better', 'national',
     '专利、商标、版权等各类知识产权年均增长率、人均拥有量高于全国平均水平',
     'Copyright registrations per 10,000 residents; the goal is to beat the national average.', true),
    ('ip_highlands', '知识产权创造、运用、保护高地', 'IP creation, use and protection highlands', 'count', 'higher_better', 'target',
     '形成若干知识产权创造、运用、保护高地',
     'Highlands of IP creation, use and protection formed in the province; measured against a target.', true),
    ('ip_strong_province', '知识产权强省(区)', 'IP-strong province (region)', 'yes = 1', 'higher_better', 'target',
     '具有示范作用的知识产权强省(区)、强市(州)、强县、强企',
     'Whether the province is recognised as an exemplary IP-strong province (1) or not (0).', true),
    ('ip_strong_cities', '知识产权强市(州)', 'IP-strong cities (prefectures)', 'count', 'higher_better', 'target',
     '具有示范作用的知识产权强省(区)、强市(州)、强县、强企',
     'Exemplary IP-strong cities or prefectures in the province; measured against a target.', true),
    ('ip_strong_counties', '知识产权强县', 'IP-strong counties', 'count', 'higher_better', 'target',
     '具有示范作用的知识产权强省(区)、强市(州)、强县、强企',
     'Exemplary IP-strong counties in the province; measured against a target.', true),
    ('ip_strong_enterprises', '知识产权强企', 'IP-strong enterprises', 'count', 'higher_better', 'target',
     '具有示范作用的知识产权强省(区)、强市(州)、强县、强企',
     'Exemplary IP-strong enterprises in the province; measured against a target.', true);

CREATE TABLE indicator_values (
    indicator_code  text NOT NULL REFERENCES indicators,
    province_code   text NOT NULL REFERENCES provinces,
    year            integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    value           numeric NOT NULL,
    national_value  numeric,
    target          numeric,
    source          text NOT NULL CHECK (length(source) BETWEEN 1 AND 500),
    note            text,
    synthetic       boolean NOT NULL DEFAULT false,   -- demo data, labelled in every answer
    version         integer NOT NULL DEFAULT 1,
    updated_by      bigint REFERENCES users,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (indicator_code, province_code, year)
);

-- Score bands: excellent 85–100, good 70–84.99, fair 55–69.99, poor below 55.
CREATE FUNCTION evaluation_rating(score numeric) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN score >= 85 THEN 'excellent' WHEN score >= 70 THEN 'good'
                WHEN score >= 55 THEN 'fair' ELSE 'poor' END
$$;

CREATE TABLE evaluations (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject_type    text NOT NULL CHECK (subject_type IN ('task', 'measure', 'province')),
    subject         text NOT NULL,
    period_code     text NOT NULL REFERENCES periods,
    score           numeric NOT NULL CHECK (score BETWEEN 0 AND 100),
    rating          text NOT NULL CHECK (rating = evaluation_rating(score)),
    findings        text NOT NULL CHECK (length(findings) BETWEEN 1 AND 20000),
    evaluator_id    bigint NOT NULL REFERENCES users,
    created_at      timestamptz NOT NULL DEFAULT now(),
    supersedes_id   bigint REFERENCES evaluations,
    is_current      boolean NOT NULL DEFAULT true
);

CREATE UNIQUE INDEX evaluations_one_current ON evaluations (subject_type, subject, period_code)
    WHERE is_current;

-- Evaluations are never edited: the only change allowed is being superseded.
CREATE FUNCTION evaluations_never_edited() RETURNS trigger
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

CREATE TRIGGER evaluations_never_edited BEFORE UPDATE ON evaluations
    FOR EACH ROW EXECUTE FUNCTION evaluations_never_edited();

-- Records a value (insert or replace) and its event, in one call.
CREATE FUNCTION indicator_value_put(p_actor bigint, p_indicator text, p_province text, p_year integer,
                                    p_value numeric, p_national numeric, p_target numeric,
                                    p_source text, p_note text, p_synthetic boolean)
RETURNS TABLE (created boolean, value json)
LANGUAGE plpgsql AS $$
DECLARE
    old indicator_values;
    v indicator_values;
BEGIN
    PERFORM pg_advisory_xact_lock(7301958413);  -- the audit chain's lock first (see task_update)
    SELECT * INTO old FROM indicator_values
    WHERE indicator_code = p_indicator AND province_code = p_province AND year = p_year FOR UPDATE;
    INSERT INTO indicator_values AS iv (indicator_code, province_code, year, value, national_value,
                                        target, source, note, synthetic, updated_by)
    VALUES (p_indicator, p_province, p_year, p_value, p_national, p_target, p_source, p_note,
            p_synthetic, p_actor)
    ON CONFLICT (indicator_code, province_code, year) DO UPDATE SET
        value = EXCLUDED.value, national_value = EXCLUDED.national_value, target = EXCLUDED.target,
        source = EXCLUDED.source, note = EXCLUDED.note, synthetic = EXCLUDED.synthetic,
        updated_by = EXCLUDED.updated_by, updated_at = now(), version = iv.version + 1
    RETURNING * INTO v;
    INSERT INTO events (actor_id, subject_type, subject_id, kind, changes, note)
    VALUES (p_actor, 'indicator_value', 0, 'indicator_value.recorded',
            jsonb_build_object('indicator', p_indicator, 'province', p_province, 'year', p_year,
                               'value', jsonb_build_object('from', old.value, 'to', v.value),
                               'national_value', jsonb_build_object('from', old.national_value, 'to', v.national_value),
                               'target', jsonb_build_object('from', old.target, 'to', v.target)),
            p_note);
    RETURN QUERY SELECT old.indicator_code IS NULL, json_build_object(
        'indicator', v.indicator_code, 'province', v.province_code, 'year', v.year,
        'value', v.value, 'national_value', v.national_value, 'target', v.target,
        'source', v.source, 'note', v.note, 'synthetic', v.synthetic, 'version', v.version,
        'updated_at', v.updated_at);
END
$$;

-- An evaluation as the API shows it: with its evaluator named and its place
-- in the chain of supersession.
CREATE FUNCTION evaluation_json(p_id bigint) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', e.id, 'subject_type', e.subject_type, 'subject', e.subject,
        'period', e.period_code, 'score', e.score, 'rating', e.rating, 'findings', e.findings,
        'evaluator', json_build_object('username', u.username, 'display_name', u.display_name),
        'created_at', e.created_at, 'current', e.is_current, 'supersedes', e.supersedes_id,
        'superseded_by', (SELECT x.id FROM evaluations x WHERE x.supersedes_id = e.id))
    FROM evaluations e JOIN users u ON u.id = e.evaluator_id WHERE e.id = p_id
$$;

-- Records an evaluation, superseding the current one for the same subject and period.
CREATE FUNCTION evaluation_record(p_actor bigint, p_type text, p_subject text, p_period text,
                                  p_score numeric, p_findings text)
RETURNS TABLE (outcome text, field text, evaluation_id bigint, evaluation json)
LANGUAGE plpgsql AS $$
DECLARE
    prev bigint;
    new_id bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(7301958413);
    IF NOT EXISTS (SELECT 1 FROM periods WHERE code = p_period) THEN
        RETURN QUERY SELECT 'field', 'period', NULL::bigint, NULL::json;
        RETURN;
    END IF;
    IF (p_type = 'task' AND NOT EXISTS (SELECT 1 FROM tasks WHERE id::text = p_subject))
       OR (p_type = 'measure' AND NOT EXISTS (SELECT 1 FROM measures WHERE code = p_subject))
       OR (p_type = 'province' AND NOT EXISTS (SELECT 1 FROM provinces WHERE code = p_subject)) THEN
        RETURN QUERY SELECT 'field', 'subject', NULL::bigint, NULL::json;
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
    RETURN QUERY SELECT 'ok', NULL::text, new_id, evaluation_json(new_id);
END
$$;

GRANT SELECT, INSERT ON indicators, indicator_values, evaluations TO policytrack_app;
GRANT UPDATE ON indicator_values, evaluations TO policytrack_app;
-- Nothing here is deleted; an evaluation is only ever superseded.
REVOKE DELETE ON indicators, indicator_values, evaluations FROM policytrack_app;
REVOKE UPDATE ON indicators FROM policytrack_app;

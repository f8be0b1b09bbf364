-- Records a value (insert or replace) and its event, in one call. Answers as
-- every write does (lib/api/refusal.h); refused for not_found (the indicator
-- or the province). created: there was no value before.
DROP FUNCTION IF EXISTS indicator_value_put(bigint, text, text, integer, numeric, numeric, numeric,
                                            text, text, boolean);
CREATE FUNCTION indicator_value_put(p_actor bigint, p_indicator text, p_province text, p_year integer,
                                    p_value numeric, p_national numeric, p_target numeric,
                                    p_source text, p_note text, p_synthetic boolean)
RETURNS TABLE (outcome text, reason text, field text, detail text, created boolean, value json)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    old indicator_values;
    v indicator_values;
BEGIN
    PERFORM audit_write_lock(true);  -- exclusive, before any row (09_audit_locks.sql)
    IF NOT EXISTS (SELECT 1 FROM indicators WHERE code = p_indicator) THEN
        RETURN QUERY SELECT 'refused', 'not_found', NULL::text,
                            refusal_not_found('indicator', p_indicator),
                            NULL::boolean, NULL::json;
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM provinces WHERE code = p_province) THEN
        RETURN QUERY SELECT 'refused', 'not_found', NULL::text,
                            refusal_not_found('province', p_province),
                            NULL::boolean, NULL::json;
        RETURN;
    END IF;
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
    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, NULL::text, old.indicator_code IS NULL, json_build_object(
        'indicator', v.indicator_code, 'province', v.province_code, 'year', v.year,
        'value', v.value, 'national_value', v.national_value, 'target', v.target,
        'source', v.source, 'note', v.note, 'synthetic', v.synthetic, 'version', v.version,
        'updated_at', v.updated_at);
END
$$;

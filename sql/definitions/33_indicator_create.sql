-- Adds an indicator. Answers as every write does (lib/api/refusal.h);
-- refused for indicator_exists.
CREATE OR REPLACE FUNCTION indicator_create(p_actor bigint, p_code text, p_name_zh text,
                                            p_name_en text, p_unit text, p_direction text,
                                            p_comparison text, p_weight numeric,
                                            p_description_en text, p_goal_zh text)
RETURNS TABLE (outcome text, reason text, field text, detail text, indicator indicators)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    i indicators;
BEGIN
    INSERT INTO indicators (code, name_zh, name_en, unit, direction, comparison, weight,
                            description_en, goal_zh, created_by)
    VALUES (p_code, p_name_zh, p_name_en, p_unit, p_direction, p_comparison, p_weight,
            p_description_en, p_goal_zh, p_actor)
    RETURNING * INTO i;
    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, NULL::text, i;
EXCEPTION WHEN unique_violation THEN
    RETURN QUERY SELECT 'refused', 'indicator_exists', NULL::text, NULL::text, NULL::indicators;
END
$$;

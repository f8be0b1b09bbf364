-- What a `role` parameter must be, from measure_roles: 'must be lead or
-- support'. The text a list's check gives after '400:role:'. No parameters.
(SELECT 'must be ' || string_agg(role, ' or ' ORDER BY sort_order) FROM measure_roles)

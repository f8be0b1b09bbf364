-- Records an indicator's value for a province and year (PUT
-- /api/v1/indicators/{code}/values/{province}/{year}); recorded by hand
-- through the API, so never synthetic (that marks demo data).
-- $1 caller_user_id bigint
-- $2 indicator text
-- $3 province text
-- $4 year int
-- $5 value numeric
-- $6 national_value numeric
-- $7 target numeric
-- $8 source text
-- $9 note text
-- returns: outcome, reason, field, detail (lib/api/refusal.h); whether the
--   value is new; its JSON when ok
SELECT outcome, reason, field, detail, created, value::text
FROM indicator_value_put($1::bigint, $2, $3, $4::int, $5::numeric, $6::numeric, $7::numeric, $8, $9, false)

-- Adds an indicator (POST /api/v1/indicators); see indicator_create().
-- $1 caller_user_id bigint
-- $2 code text
-- $3 name_zh text
-- $4 name_en text
-- $5 unit text
-- $6 direction text
-- $7 comparison text
-- $8 weight numeric
-- $9 description_en text
-- $10 goal_zh text
-- returns: outcome, reason, field, detail (lib/api/refusal.h); the indicator's JSON when ok
SELECT r.outcome,
       r.reason,
       r.field,
       r.detail,
       (SELECT {{indicator_json}}::text
        FROM (SELECT (r.indicator).*) i
        WHERE r.outcome = 'ok')
FROM indicator_create($1::bigint, $2, $3, $4, $5, $6, $7, $8::numeric, $9, $10) r

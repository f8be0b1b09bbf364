-- Opens a reporting period (POST /api/v1/periods); see period_create().
-- $1 caller_user_id bigint
-- $2 code text
-- $3 starts_on date
-- $4 ends_on date
-- $5 due_on date
-- returns: outcome, reason, field, detail (lib/api/refusal.h); the period's JSON when ok
SELECT r.outcome,
       r.reason,
       r.field,
       r.detail,
       (SELECT {{period_json}}::text
        FROM (SELECT (r.period).*) pe
        WHERE r.outcome = 'ok')
FROM period_create($1::bigint, $2, $3::date, $4::date, $5::date) r

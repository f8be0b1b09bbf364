-- Closes or re-opens a reporting period (POST /api/v1/periods/{code}/close,
-- /reopen); see period_set_closed().
-- $1 caller_user_id bigint
-- $2 code text
-- $3 closed bool: true to close, false to re-open
-- $4 reason text: why (required to re-open); the event's note
-- returns: outcome, reason, field, detail (lib/api/refusal.h); the period's JSON when ok
SELECT r.outcome,
       r.reason,
       r.field,
       r.detail,
       (SELECT {{period_json}}::text
        FROM (SELECT (r.period).*) pe
        WHERE r.outcome = 'ok')
FROM period_set_closed($1::bigint, $2, $3::bool, $4) r

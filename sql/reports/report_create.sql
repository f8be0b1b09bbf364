-- Files a report, once per Idempotency-Key (POST /api/v1/reports); see report_create().
-- $1 caller_role text
-- $2 caller_province text
-- $3 caller_user_id bigint
-- $4 period text
-- $5 summary text
-- $6 items jsonb: [{task, status, progress, narrative?, evidence?}], already checked
-- $7 idempotency_key text
-- $8 request_hash text: the body's SHA-256, so a key is replayed only with the same body
-- returns: outcome, reason, field, detail, errors (lib/api/refusal.h); whether it is an
--   earlier report replayed; the report's id and JSON when ok
SELECT outcome, reason, field, detail, errors::text, replayed, report_id, report::text
FROM report_create($3::bigint, $1, $2, $4, $5, $6::jsonb, $7, $8)

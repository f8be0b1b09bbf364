-- A report's review action: submit, accept, return or revise
-- (POST /api/v1/reports/{id}/submit, ...); see report_act().
-- $1 caller_role text
-- $2 caller_province text
-- $3 caller_user_id bigint
-- $4 id text: the path segment as given; one that is not a number names no report
-- $5 action text: submit, accept, return or revise
-- $6 comment text
-- returns: outcome, reason, field, detail (lib/api/refusal.h); the report's
--   id (a revision's new one) and JSON when ok
SELECT outcome,
       reason,
       field,
       -- A missing report is named as the path named it, a number or not.
       CASE WHEN reason = 'not_found' THEN refusal_not_found('report', $4) ELSE detail END,
       report_id,
       report::text
FROM report_act(CASE WHEN $4 ~ '^[0-9]{1,18}$' THEN $4::bigint END, $3::bigint, $1, $2, $5, $6)

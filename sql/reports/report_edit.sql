-- Edits a draft or returned report (PATCH /api/v1/reports/{id}); see report_edit().
-- $1 caller_role text
-- $2 caller_province text
-- $3 caller_user_id bigint
-- $4 id text: the path segment as given; one that is not a number names no report
-- $5 summary text: NULL keeps it
-- $6 items jsonb: NULL keeps them, else they replace them
-- returns: outcome, reason, field, detail, errors (lib/api/refusal.h); the report's JSON when ok
SELECT outcome,
       reason,
       field,
       -- A missing report is named as the path named it, a number or not.
       CASE WHEN reason = 'not_found' THEN refusal_not_found('report', $4) ELSE detail END,
       errors::text,
       report::text
FROM report_edit(CASE WHEN $4 ~ '^[0-9]{1,18}$' THEN $4::bigint END, $3::bigint, $1, $2, $5, $6::jsonb)

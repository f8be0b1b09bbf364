-- Records an evaluation, superseding the current one of the same subject and
-- period (POST /api/v1/evaluations); see evaluation_record().
-- $1 caller_user_id bigint
-- $2 subject_type text
-- $3 subject text
-- $4 period text
-- $5 score numeric
-- $6 findings text
-- returns: outcome, reason, field, detail (lib/api/refusal.h); the evaluation's id and JSON when ok
SELECT outcome, reason, field, detail, evaluation_id, evaluation::text
FROM evaluation_record($1::bigint, $2, $3, $4, $5::numeric, $6)

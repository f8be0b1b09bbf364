-- Records a sign-in whose password did not verify (or an unknown or disabled user) as a failure (POST /api/v1/sessions).
-- $1 attempt_id bigint: login_begin()'s
-- returns: outcome, reason, field, detail (login_fail(): always refused, invalid_credentials or too_many_attempts); when refused by the throttle, the seconds to wait
SELECT outcome, reason, field, detail, retry_after
FROM login_fail($1)

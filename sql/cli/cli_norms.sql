-- Gives the CLI's session the deployment norms the daemon gives its connections (POLICYTRACK_PASSWORD_MAX_AGE_DAYS, ..., sql/definitions/65_norms.sql).
-- $1 password_max_age_days text
-- $2 password_history text
-- $3 session_idle_s text
-- $4 log_retention_days text
-- $5 classification_max text: public or internal
-- returns: the five settings as set
SELECT set_config('policytrack.password_max_age_days', $1, false),
       set_config('policytrack.password_history', $2, false),
       set_config('policytrack.session_idle_s', $3, false),
       set_config('policytrack.log_retention_days', $4, false),
       set_config('policytrack.classification_max', $5, false)

-- Issues the session token of a sign-in whose password verified (POST /api/v1/sessions).
-- $1 user_id bigint
-- $2 token_hash text: hex SHA-256 of the token, which only the client sees
-- $3 ttl_s integer: the session's lifetime in seconds
-- $4 attempt_id bigint: login_begin()'s, marked a success
-- $5 new_hash text: the password rehashed with current parameters, or NULL
-- $6 verified_hash text: the hash the password was verified against
-- returns: outcome, reason, field, detail (login_finish()); the session's JSON, without the token; when refused by the throttle, the seconds to wait
SELECT outcome, reason, field, detail, body, retry_after
FROM login_finish($1, $2, $3, $4, $5, $6)

-- Counts and records a sign-in attempt before its password is checked (POST /api/v1/sessions).
-- $1 username text: as typed
-- $2 client text: the client's address (the connection's peer), or NULL when unknown
-- returns: outcome, reason, field, detail (login_begin()); the user's id, password hash and disabled flag (NULL: no such user); the attempt's id; when refused, the seconds to wait
-- The throttle, over 15 minutes (login_limits()): 5 failures for one username from one address close it there; 20 failures from one address close that address, and 50 for one username from all addresses close the username, except where it signed in within 30 days; a sign-in being checked is not a failure (docs/security.md).
SELECT outcome, reason, field, detail,
       user_id, password_hash, disabled, attempt_id, retry_after
FROM login_begin($1, $2)

-- Counts and records a sign-in attempt before its password is checked (POST /api/v1/sessions).
-- $1 username text: as typed
-- returns: outcome, reason, field, detail (login_begin()); the user's id, password hash and disabled flag (NULL: no such user); the attempt's id; when refused, the seconds to wait
-- The throttle: 5 failures for one username within 15 minutes close it for the rest of the window.
SELECT outcome, reason, field, detail,
       user_id, password_hash, disabled, attempt_id, retry_after
FROM login_begin($1, 5, interval '15 minutes')

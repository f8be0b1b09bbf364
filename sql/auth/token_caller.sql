-- The caller behind a bearer token, when the token is live and its user enabled, with the session norms applied (every request with a token).
-- $1 token_hash text: hex SHA-256 of the presented token
-- returns: the user's id, username, display name, role, agency, province; the token's id, kind and expiry (as JSON text); the whole seconds it has left; its state: ok, idle (it has just been ended for idling) or password_expired; when the password expires (JSON text, NULL if never); the idle time a session ends after (0: never) (token_caller_check())
SELECT user_id, username, display_name, role, agency_code, province_code,
       token_id, token_kind, token_expires_at, left_s, state, password_expires_at, idle_s
FROM token_caller_check($1)

-- The caller behind a bearer token, when the token is live and its user enabled, with the session norms applied (every request with a token).
-- $1 token_hash text: hex SHA-256 of the presented token
-- returns: the user's id, username, display name, role, agency, province; the token's id, kind and expiry (as JSON text); the whole seconds it has left; its state: ok, idle (it has just been ended for idling) or password_expired; when the password expires (JSON text, NULL if never); the idle time a session ends after (0: never) (token_caller_check()); the code of the node the user is scoped to (NULL: none)
SELECT c.user_id, c.username, c.display_name, c.role, c.agency_code, c.province_code,
       c.token_id, c.token_kind, c.token_expires_at, c.left_s, c.state, c.password_expires_at, c.idle_s,
       n.code
FROM token_caller_check($1) c
JOIN users u ON u.id = c.user_id
LEFT JOIN org_nodes n ON n.id = u.org_node_id

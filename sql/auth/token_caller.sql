-- The caller behind a bearer token, when the token is live and its user enabled (every request with a token).
-- $1 token_hash text: hex SHA-256 of the presented token
-- returns: the user's id, username, display name, role, agency, province; the token's id, kind and expiry (as JSON text); the whole seconds it has left; the code of the node the user is scoped to (NULL: none)
SELECT u.id, u.username, u.display_name, u.role, u.agency_code, u.province_code,
       t.id, t.kind, to_json(t.expires_at) #>> '{}',
       floor(extract(epoch FROM t.expires_at - now()))::bigint,
       n.code
FROM tokens t
JOIN users u ON u.id = t.user_id
LEFT JOIN org_nodes n ON n.id = u.org_node_id
WHERE t.token_hash = $1
  AND t.revoked_at IS NULL
  AND t.expires_at > now()
  AND NOT u.disabled

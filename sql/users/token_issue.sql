-- Issues an automation token (POST /api/v1/users/{username}/tokens, `policytrack token issue`).
-- $1 username text
-- $2 token_hash text: hex SHA-256 of the token, which only the caller sees
-- $3 label text: or NULL
-- $4 ttl interval: how long it is valid
-- returns: outcome, reason, field, detail (token_issue()); the token's JSON; its expiry
SELECT outcome, reason, field, detail, body, expires_at
FROM token_issue($1, $2, $3, $4)

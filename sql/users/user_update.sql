-- Changes a user, revoking their tokens when who they are changes (PATCH /api/v1/users/{username}, `policytrack user disable`).
-- $1 username text
-- $2 display_name text: NULL keeps it
-- $3 role text: NULL keeps it
-- $4 set_agency boolean: whether $5 replaces the agency
-- $5 agency text
-- $6 set_province boolean: whether $7 replaces the province
-- $7 province text
-- $8 disabled boolean: NULL keeps it
-- $9 password_hash text: NULL keeps it
-- returns: outcome, reason, field, detail (user_update()); the user's JSON with tokens_revoked; that count
SELECT outcome, reason, field, detail, body, tokens_revoked
FROM user_update($1, $2, $3, $4, $5, $6, $7, $8, $9)

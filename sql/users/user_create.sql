-- Creates a user (POST /api/v1/users, `policytrack user add`).
-- $1 username text
-- $2 display_name text
-- $3 role text
-- $4 agency text: the agency's code, or NULL
-- $5 province text: the province's code, or NULL
-- $6 password_hash text: argon2id, hashed by the caller
-- returns: outcome, reason, field, detail (user_create()); the user's JSON
SELECT outcome, reason, field, detail, body
FROM user_create($1, $2, $3, $4, $5, $6)

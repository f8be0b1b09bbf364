-- A signed-in user changes their own password, ending their other sessions and tokens (PUT /api/v1/me/password).
-- $1 user_id bigint
-- $2 token_id bigint: the token the change came with, which stays valid
-- $3 verified_hash text: the hash the current password was verified against
-- $4 new_hash text: argon2id of the new password
-- returns: outcome, reason, field, detail (password_change()); the answer's JSON
SELECT outcome, reason, field, detail, body
FROM password_change($1, $2, $3, $4)

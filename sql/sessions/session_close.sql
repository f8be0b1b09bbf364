-- Signs out: revokes the caller's token (DELETE /api/v1/sessions/current).
-- $1 token_id bigint
-- returns: outcome, reason, field, detail (session_close())
SELECT outcome, reason, field, detail
FROM session_close($1)

-- One user (GET /api/v1/users/{username}).
-- $1 username text
-- returns: the user's JSON (user_json)
SELECT user_json(u)::text
FROM users u
WHERE u.username = $1

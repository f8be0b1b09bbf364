-- The password hashes a user's new password is checked against (PUT /api/v1/me/password, PATCH /api/v1/users/{username}, `policytrack user passwd`).
-- $1 username text
-- returns: per row, a hash and whether it is the current one: the current hash first, then the history up to --password-history in all (password_recent_hashes())
SELECT r.password_hash, (r.password_hash = u.password_hash) AS current
FROM users u
CROSS JOIN LATERAL (SELECT u.password_hash
                    UNION ALL
                    SELECT h.password_hash FROM password_recent_hashes(u.id) h
                    WHERE h.password_hash <> u.password_hash) r
WHERE u.username = $1

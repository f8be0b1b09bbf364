-- The roles the database knows, for /readyz to compare with this build's (lib/core/roles.c).
-- returns: one row per role: its name
SELECT name
FROM roles
ORDER BY sort_order

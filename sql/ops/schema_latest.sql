-- The latest migration the database records (GET /readyz).
-- returns: its version and checksum; no row when none is applied
SELECT version, checksum
FROM schema_migrations
ORDER BY version DESC
LIMIT 1

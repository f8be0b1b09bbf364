-- The migrations the database has applied, to check against this build's.
-- returns: version, name, checksum
SELECT version, name, checksum
FROM schema_migrations
ORDER BY version

-- The definitions the database has applied, with the checksums they had.
-- returns: name, checksum
SELECT name, checksum
FROM schema_definitions
ORDER BY name

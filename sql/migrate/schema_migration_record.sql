-- Records a migration as applied, in its own transaction.
-- $1 version integer
-- $2 name text
-- $3 checksum text: SHA-256 of the file, hex
INSERT INTO schema_migrations (version, name, checksum)
VALUES ($1, $2, $3)

-- Records a definition as applied (again, when its text changed).
-- $1 name text
-- $2 checksum text: SHA-256 of the file, hex
INSERT INTO schema_definitions (name, checksum)
VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET checksum = excluded.checksum, applied_at = now()

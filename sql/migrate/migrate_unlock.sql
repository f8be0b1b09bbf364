-- Releases migrate_lock.
-- $1 key bigint
SELECT pg_advisory_unlock($1)

-- The primary's WAL position now: the point a read replica must have replayed to be current (--replica-url).
-- returns: the current WAL insert position as text
SELECT pg_current_wal_lsn()::text AS lsn

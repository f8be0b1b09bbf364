-- The primary's WAL flushed so far: the point a read replica must have replayed to be current (--replica-url).
-- Every commit is flushed before it is acknowledged (synchronous_commit on), so this is past each one
-- acknowledged before; the WAL written after it may end in half a record, which no replica can replay
-- until more follows, so comparing with the written position held idle replicas behind for good.
-- returns: the primary's WAL flush position as text
SELECT pg_current_wal_flush_lsn()::text AS lsn

-- How far a read replica is behind the primary's position $1 (--replica-url): bytes to replay, and for how long.
-- $1 primary_lsn text: the primary's pg_current_wal_flush_lsn() taken just before
-- returns: behind_bytes (0 when caught up), lag_ms (0 when caught up, else the time since its last replayed commit), in_recovery (false: not a replica)
SELECT coalesce(greatest(pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn()), 0), 0)::bigint
           AS behind_bytes,
       CASE WHEN pg_last_wal_replay_lsn() >= $1::pg_lsn THEN 0
            ELSE coalesce(extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())
                          * 1000, 0)
       END::bigint AS lag_ms,
       pg_is_in_recovery() AS in_recovery

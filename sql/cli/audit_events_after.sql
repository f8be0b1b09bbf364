-- A batch of the audit trail with each event's hash recomputed, for `policytrack audit verify`.
-- $1 after bigint: the last event id already checked (0 to start)
-- $2 batch integer: at most this many events
-- returns: id, the previous hash it names, its stored hash, its hash recomputed by events_row_hash()
SELECT id, prev_hash, hash,
       events_row_hash(prev_hash, id, at, actor_id, subject_type, subject_id, kind, changes, note)
FROM events
WHERE id > $1::bigint
ORDER BY id
LIMIT $2

-- A batch of the audit trail with each event's hash recomputed and the hash its chain says came before it, for `policytrack audit verify`.
-- $1 after bigint: the last event id already checked (0 to start)
-- $2 batch integer: at most this many events
-- returns: id, the previous hash it names, its stored hash, its hash recomputed by events_row_hash(), the hash of the event before it in its chain (64 zeros for a chain's first), its subject type and id, whether it is of before 0031 (chained to the previous event of all)
-- Up to audit_chain_rules.legacy_through an event's chain is every event's
-- (0005); after it, its subject's (0031). A missing rules row makes every
-- event follow the new rule, which the old events then fail.
SELECT e.id, e.prev_hash, e.hash,
       events_row_hash(e.prev_hash, e.id, e.at, e.actor_id, e.subject_type, e.subject_id, e.kind,
                       e.changes, e.note),
       coalesce(CASE WHEN e.id <= b.legacy_through
                     THEN (SELECT p.hash FROM events p WHERE p.id < e.id ORDER BY p.id DESC LIMIT 1)
                     ELSE (SELECT p.hash
                           FROM events p
                           WHERE p.subject_type = e.subject_type AND p.subject_id = e.subject_id
                             AND p.id < e.id
                           ORDER BY p.id DESC LIMIT 1) END, repeat('0', 64)),
       e.subject_type, e.subject_id, e.id <= b.legacy_through
FROM events e
CROSS JOIN (SELECT coalesce((SELECT legacy_through FROM audit_chain_rules), 0) AS legacy_through) b
WHERE e.id > $1::bigint
ORDER BY e.id
LIMIT $2

-- A batch of the seals (the global order, 0031) with each anchor recomputed, for `policytrack audit verify`.
-- $1 after bigint: the last seq already checked (0 to start)
-- $2 batch integer: at most this many seals
-- $3 anchor text: the anchor of seal $1 (64 zeros to start)
-- returns: seq, event id, stored anchor, the anchor recomputed (NULL when the event is gone), whether the event is of before 0031
-- An event of before 0031 is its own anchor: those events are one global
-- chain already. After them, events_seal_anchor() over the previous anchor.
SELECT s.seq, s.event_id, s.anchor,
       CASE WHEN e.id IS NULL THEN NULL
            WHEN s.event_id <= b.legacy_through THEN e.hash
            ELSE events_seal_anchor(coalesce(lag(s.anchor) OVER (ORDER BY s.seq), $3::text), s.seq,
                                    s.event_id, e.hash) END,
       s.event_id <= b.legacy_through
FROM (SELECT * FROM event_seals WHERE seq > $1::bigint ORDER BY seq LIMIT $2) s
LEFT JOIN events e ON e.id = s.event_id
CROSS JOIN (SELECT coalesce((SELECT legacy_through FROM audit_chain_rules), 0) AS legacy_through) b
ORDER BY s.seq

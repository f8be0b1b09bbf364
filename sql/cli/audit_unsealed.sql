-- What the seals do not account for, for `policytrack audit verify` (after sealing, in one snapshot with the walks).
-- returns: event id, what is wrong: 'waiting' (committed after the seal ran: not wrong), 'unqueued' (in no seal and never queued for one), 'gone' (queued, but the event is not there), 'twice' (in two seals); at most 50 rows of each but 'waiting', which is counted
SELECT id, what, n
FROM (
    SELECT e.id, CASE WHEN q.event_id IS NULL THEN 'unqueued' ELSE 'waiting' END AS what,
           count(*) OVER (PARTITION BY q.event_id IS NULL) AS n,
           row_number() OVER (PARTITION BY q.event_id IS NULL ORDER BY e.id) AS k
    FROM events e
    LEFT JOIN events_unsealed q ON q.event_id = e.id
    WHERE NOT EXISTS (SELECT 1 FROM event_seals s WHERE s.event_id = e.id)
    UNION ALL
    SELECT q.event_id, 'gone', count(*) OVER (), row_number() OVER (ORDER BY q.event_id)
    FROM events_unsealed q
    WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = q.event_id)
    UNION ALL
    SELECT event_id, 'twice', count(*) OVER (), row_number() OVER (ORDER BY event_id)
    FROM event_seals
    GROUP BY event_id
    HAVING count(*) > 1
) x
WHERE k <= 50
ORDER BY what, id

-- Seals the committed events not yet sealed (events_seal(), 0031): policytrackd after its writes and on a timer (pg/sealer.c), the CLI before `audit verify` and `audit checkpoint`.
-- $1 max integer: at most this many in one transaction
-- returns: how many were sealed (fewer than $1: none is left waiting)
SELECT events_seal($1::int)

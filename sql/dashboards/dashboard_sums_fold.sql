-- Adds the dashboards' committed parts into their kept sums (dashboard_sums_fold(), 0032): policytrackd on its sequencer's timer (pg/sealer.c).
-- returns: how many parts were folded (0 also when another folder was at it)
SELECT dashboard_sums_fold()

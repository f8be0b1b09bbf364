-- The seeded reference tables are a few rows each and autovacuum never
-- analyses them (they change too little), so the planner guessed their sizes
-- and costed the scorecard at millions, which switched on JIT compilation and
-- made a 12 ms query take seconds. Statistics for each, once; a later change
-- to them is small and costs nothing to re-plan.
ANALYZE provinces;
ANALYZE agencies;
ANALYZE task_statuses;
ANALYZE task_transitions;
ANALYZE measure_roles;
ANALYZE roles;
ANALYZE sections;
ANALYZE documents;

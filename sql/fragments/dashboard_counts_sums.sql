-- The counts of the rows `c` (dashboard_counts) of one group and status, as
-- the columns of a row of `g`, the same as dashboard_status_counts gives
-- from the tasks. No parameters.
sum(c.tasks) AS tasks,
sum(c.rag_red) AS red,
sum(c.rag_amber_or_red) - sum(c.rag_red) AS amber,
sum(c.tasks) - sum(c.rag_amber_or_red) AS green,
sum(c.overdue) AS overdue

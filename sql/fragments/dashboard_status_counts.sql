-- The counts of the tasks `f` (dashboard_tasks) of one group and status, as
-- the columns of a row of `g`; dashboard_figures adds them up over a group's
-- statuses. No parameters.
count(f.id) AS tasks,
count(f.id) FILTER (WHERE f.rag = 'red') AS red,
count(f.id) FILTER (WHERE f.rag = 'amber') AS amber,
count(f.id) FILTER (WHERE f.rag = 'green') AS green,
count(f.id) FILTER (WHERE f.is_overdue) AS overdue

-- A dashboard row's figures, as objects for json_object_concat() to join
-- into the row: aggregates over the row's group of rows, one for each task
-- status `ts` (task_statuses) with `g`, the group's dashboard_status_counts
-- in that status (NULL: no task in it). The tasks, how many are in each
-- status of the workflow, in its order, how many are red, amber, green and
-- overdue, and the share done (the statuses task_statuses marks done). No
-- parameters.
json_build_object('tasks', coalesce(sum(g.tasks), 0)),
json_object_agg(ts.status, coalesce(g.tasks, 0) ORDER BY ts.sort_order),
json_build_object('red', coalesce(sum(g.red), 0),
                  'amber', coalesce(sum(g.amber), 0),
                  'green', coalesce(sum(g.green), 0),
                  'overdue', coalesce(sum(g.overdue), 0),
                  'completion_pct',
                  coalesce(round(100.0 * coalesce(sum(g.tasks) FILTER (WHERE ts.done), 0)
                                 / nullif(sum(g.tasks), 0), 2), 0))

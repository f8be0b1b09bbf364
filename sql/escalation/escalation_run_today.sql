-- The escalation run for today (the daemon's timer; `policytrack escalate`), through escalation_run().
-- $1 dry_run bool: true: say what would be recorded, record nothing
-- returns: one row per level reached and not recorded before: subject type, subject id, task id, level, its Chinese label, repeat, due date, days to the due date (negative: overdue), copied to the leader, written
SELECT subject_type,
       subject_id,
       task_id,
       level,
       label_zh,
       repeat,
       due_date,
       days_to_due,
       copy_leader,
       written
FROM escalation_run($1)

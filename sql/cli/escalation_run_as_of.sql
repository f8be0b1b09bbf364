-- The escalation run as of a given day (`policytrack escalate --as-of DATE`): the tables' owner only.
-- $1 today date: the Beijing day to judge
-- $2 dry_run bool: true: say what would be recorded, record nothing
-- returns: as escalation_run_today
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
FROM escalation_run_as_of($1, $2)

-- Which statuses count as done (completed, verified): a property of the
-- status, kept with it, so that completion rates, scorecards and the rule that
-- a done task's progress stays at 100 read it from here instead of each
-- naming the statuses again.
ALTER TABLE task_statuses ADD COLUMN done boolean NOT NULL DEFAULT false;
UPDATE task_statuses SET done = true WHERE status IN ('completed', 'verified');

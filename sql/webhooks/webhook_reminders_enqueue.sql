-- Enqueues today's reminders, once per (day, recipient) (policytrackd's outbox).
-- $1 reminders jsonb: the answer of reminder_list as an admin sees it
-- returns: the number of deliveries enqueued
SELECT webhook_reminders_enqueue($1::jsonb)

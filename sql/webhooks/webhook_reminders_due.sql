-- Whether today's reminder run is due (policytrackd's outbox, once a minute).
-- $1 at time: the local time of day it runs at (--webhook-reminder-time)
-- returns: true when due
SELECT webhook_reminders_due($1::time)

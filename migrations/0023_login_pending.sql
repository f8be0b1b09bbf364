-- A sign-in attempt is pending while its password is checked, and a failure
-- only once the check fails (or never finishes: one pending for a minute
-- counts as a failure). Recording every attempt as a failure before the
-- check locked out a service account's correct sign-ins made in parallel
-- (issue 21). The rules are login_begin(), login_finish() and login_fail()
-- (sql/definitions/60_sessions.sql).
ALTER TABLE login_attempts ADD COLUMN pending boolean NOT NULL DEFAULT false;

-- Sign-in throttling by client address as well as by account (issue 17).
-- Each attempt records the client's address (an IPv6 client by its /64,
-- which one subscriber usually holds whole), so that one client spraying
-- usernames meets a limit, and five guesses from one address lock that
-- account at that address only. login_begin() (sql/definitions/60_sessions.sql)
-- removes old attempts as it writes a new one, so the table stays bounded;
-- these indexes serve its counts and that pruning.
ALTER TABLE login_attempts ADD COLUMN client inet;

CREATE INDEX login_attempts_client ON login_attempts (client, at) WHERE NOT succeeded;
CREATE INDEX login_attempts_known ON login_attempts (username, client, at) WHERE succeeded;
CREATE INDEX login_attempts_old_failures ON login_attempts (at) WHERE NOT succeeded;
CREATE INDEX login_attempts_old_successes ON login_attempts (at) WHERE succeeded;

-- What the table kept without bound until now: failures older than any
-- window, successes older than the 30 days a known address is remembered.
DELETE FROM login_attempts
WHERE (NOT succeeded AND at < now() - interval '15 minutes')
   OR (succeeded AND at < now() - interval '30 days');

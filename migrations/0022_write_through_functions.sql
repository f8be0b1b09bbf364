-- Least privilege for the daemon's role (issue 17, item 9): it changes state
-- only through the write functions of sql/definitions (task_update(),
-- report_act(), user_update(), ...), which now run as the tables' owner
-- (SECURITY DEFINER, fixed search_path) and write the audit trail as they
-- change a row. Stolen application credentials can then no longer update a
-- task without its event, insert an event with any actor, or give a user
-- another role: every table is read-only to the role.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public FROM policytrack_app;
REVOKE USAGE ON ALL SEQUENCES IN SCHEMA public FROM policytrack_app;

-- Tables made later are read-only to the daemon too, unless a migration says otherwise.
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    REVOKE INSERT, UPDATE, DELETE ON TABLES FROM policytrack_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    REVOKE USAGE ON SEQUENCES FROM policytrack_app;

-- Baseline: who may do what in this database.
--
-- The tables belong to the role that runs `policytrack migrate` (the owner).
-- The daemon connects as policytrack_app, which may read and write rows but
-- never change the schema, so a bug or an injection in the daemon cannot drop
-- or alter a table, and later rules (append-only audit log, row-level
-- security) bind it.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'policytrack_app') THEN
        RAISE EXCEPTION 'role policytrack_app does not exist'
            USING HINT = 'create it first: CREATE ROLE policytrack_app LOGIN';
    END IF;
END
$$;

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO policytrack_app;

ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO policytrack_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO policytrack_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT EXECUTE ON FUNCTIONS TO policytrack_app;

-- /readyz compares the latest applied migration with the daemon's own.
GRANT SELECT ON schema_migrations TO policytrack_app;

-- Change notifications for the daemons' caches. Each daemon LISTENs on
-- policytrack_change and drops cached dashboards on 'data' and cached token
-- identities on 'auth', so several instances on one database agree.
-- Statement-level triggers: one notification per statement, and PostgreSQL
-- folds identical notifications of one transaction into one.

CREATE FUNCTION notify_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('policytrack_change', TG_ARGV[0]);
    RETURN NULL;
END
$$;

-- Everything a dashboard reads.
CREATE TRIGGER tasks_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tasks
    FOR EACH STATEMENT EXECUTE FUNCTION notify_change('data');
CREATE TRIGGER events_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION notify_change('data');
CREATE TRIGGER reports_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON reports
    FOR EACH STATEMENT EXECUTE FUNCTION notify_change('data');
CREATE TRIGGER periods_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON periods
    FOR EACH STATEMENT EXECUTE FUNCTION notify_change('data');
CREATE TRIGGER measures_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON measures
    FOR EACH STATEMENT EXECUTE FUNCTION notify_change('data');
CREATE TRIGGER sections_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sections
    FOR EACH STATEMENT EXECUTE FUNCTION notify_change('data');
CREATE TRIGGER agencies_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON agencies
    FOR EACH STATEMENT EXECUTE FUNCTION notify_change('data');
CREATE TRIGGER provinces_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON provinces
    FOR EACH STATEMENT EXECUTE FUNCTION notify_change('data');

-- What a cached caller identity depends on. A new token or user changes no
-- cached identity, and a sign-in's rehash touches only password_hash, so
-- neither empties the caches during a sign-in storm.
CREATE TRIGGER tokens_notify_change AFTER UPDATE OR DELETE OR TRUNCATE ON tokens
    FOR EACH STATEMENT EXECUTE FUNCTION notify_change('auth');
CREATE TRIGGER users_notify_change
    AFTER UPDATE OF username, display_name, role, agency_code, province_code, disabled
    OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION notify_change('auth');

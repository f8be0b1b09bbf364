"""The daemon's database role changes nothing except through the write
functions, which write the audit trail as they go (issue 17, item 9): stolen
application credentials cannot update a task without its event, insert an
event with any actor, nor give a user another role."""

import pytest

import ptutil


def test_no_table_is_writable_by_the_daemon_role(migrated_db):
    writable = ptutil.psql_value(migrated_db, """
        SELECT coalesce(string_agg(c.relname || ':' || p.priv, ' ' ORDER BY c.relname, p.priv), '')
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
        CROSS JOIN unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) AS p(priv)
        WHERE c.relkind IN ('r', 'p') AND has_table_privilege(current_user, c.oid, p.priv)""")
    assert writable == "", f"the daemon's role may write: {writable}"


@pytest.mark.parametrize("sql", [
    "UPDATE tasks SET status = 'completed', progress = 100 WHERE id = 1",
    "INSERT INTO events (actor_id, subject_type, subject_id, kind, changes, prev_hash, hash) "
    "VALUES (1, 'task', 1, 'task.updated', '{}', '', '')",
    "UPDATE users SET role = 'admin'",
    "DELETE FROM tokens",
    "INSERT INTO reports (province_code, period_code, state, summary, created_by) VALUES ('CN-LN', '2017', 'accepted', 'x', 1)",
    "UPDATE login_attempts SET succeeded = true",
])
def test_direct_writes_are_refused(migrated_db, sql):
    r = ptutil.psql(migrated_db, sql, check=False)
    assert r.returncode != 0 and "permission denied" in r.stderr, r.stderr


def test_writes_still_go_through_the_functions(migrated_db):
    # The CLI, as the daemon's role, creates a user through user_create().
    user = ptutil.make_user(migrated_db, "observer")
    assert ptutil.psql_value(migrated_db, f"SELECT role FROM users WHERE username = '{user}'") == "observer"

"""The caches' 'data' notification comes from the sequencer, not from each
writer (migration 0033, sql/definitions/08_change_marks.sql): a writer that
called pg_notify() would hold PostgreSQL's cluster-wide notification lock
through its commit's WAL flush, so every write would wait for the one before.
Writers leave a mark; events_seal() takes the committed marks and notifies
once. No daemon runs on these databases, so nothing else takes the marks."""

import os
import re
import subprocess

import pytest

import ptutil

NOTIFIED = re.compile(r'Asynchronous notification "policytrack_change" with payload "(\w+)" '
                      r'received from server process with PID (\d+)')


@pytest.fixture
def db(migrated_template):
    with ptutil.fresh_database(template=migrated_template) as db:
        # The migration's own writes, sealed and told: each test starts with no mark.
        ptutil.psql(db.app_url, "SELECT events_seal(100000);")
        assert ptutil.psql_value(db.owner_url, "SELECT count(*) FROM change_marks") == "0"
        yield db


def coordinator_id(db):
    name = ptutil.make_user(db.owner_url, "coordinator")
    return int(ptutil.psql_value(db.owner_url, f"SELECT id FROM users WHERE username = '{name}'"))


def a_task(db):
    return int(ptutil.psql_value(db.owner_url, "SELECT min(id) FROM tasks WHERE status = 'not_started'"))


def listening(db, script):
    """Runs script in one psql session of the app role that LISTENs first;
    returns its output lines, notifications included, in order."""
    out = ptutil.psql(db.app_url, "LISTEN policytrack_change;\n" + script)
    return out.stdout.splitlines()


def notifications(lines):
    return [NOTIFIED.match(x).group(1) for x in lines if NOTIFIED.match(x)]


def test_a_write_notifies_only_when_the_sequencer_runs(db):
    actor, task = coordinator_id(db), a_task(db)
    lines = listening(db, f"""
SELECT count(*) AS n FROM task_update({task}, {actor}, 'coordinator', NULL, NULL, NULL,
                                      '{{"status": "in_progress"}}', NULL) \\gset
SELECT 1 AS again \\gset
\\echo written
SELECT count(*) AS marks FROM change_marks \\gset
\\echo marks :marks
SELECT events_seal(10000) AS sealed \\gset
SELECT 1 AS again \\gset
\\echo sealed :sealed
SELECT count(*) AS marks FROM change_marks \\gset
\\echo marks :marks
""")
    written = lines.index("written")
    assert notifications(lines[:written]) == [], lines
    assert lines[written + 1] == "marks 1", lines
    sealed = next(i for i, x in enumerate(lines) if x.startswith("sealed "))
    assert int(lines[sealed].split()[1]) >= 1, lines
    assert notifications(lines[written:sealed]) == ["data"], lines
    assert lines[sealed + 1] == "marks 0", lines
    # The next call finds nothing new and says nothing.
    again = listening(db, "SELECT events_seal(10000) AS sealed \\gset\nSELECT 1 AS again \\gset\n\\echo done\n")
    assert notifications(again) == [], again


def test_one_mark_per_transaction_whatever_it_writes(db):
    actor, task = coordinator_id(db), a_task(db)
    ptutil.psql(db.owner_url, f"""
BEGIN;
SELECT task_update({task}, {actor}, 'coordinator', NULL, NULL, NULL, '{{"status": "in_progress"}}', NULL);
UPDATE agencies SET name_en = name_en WHERE code = 'saic';
UPDATE measures SET code = code WHERE id = (SELECT min(id) FROM measures);
COMMIT;
UPDATE provinces SET name_en = name_en WHERE code = (SELECT min(code) FROM provinces);
""")
    assert ptutil.psql_value(db.owner_url, "SELECT count(*) FROM change_marks") == "2"
    # A transaction that wrote nothing a dashboard reads leaves none.
    ptutil.psql(db.owner_url, "UPDATE users SET display_name = display_name WHERE id = %d" % actor)
    assert ptutil.psql_value(db.owner_url, "SELECT count(*) FROM change_marks") == "2"
    # A rolled-back write leaves none either.
    ptutil.psql(db.owner_url, "BEGIN; UPDATE agencies SET name_en = name_en; ROLLBACK;")
    assert ptutil.psql_value(db.owner_url, "SELECT count(*) FROM change_marks") == "2"


def test_auth_changes_still_notify_at_commit(db):
    # A token revoked or a user disabled must reach every daemon at once:
    # those writes are rare, and they still notify in their own commit.
    actor = coordinator_id(db)
    env = dict(os.environ, PGCONNECT_TIMEOUT="5")
    listener = subprocess.Popen([ptutil.psql_path(), "-X", "-q", "-A", "-t", "-d", db.app_url],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, env=env)
    try:
        listener.stdin.write("LISTEN policytrack_change;\n\\echo listening\n")
        listener.stdin.flush()
        assert listener.stdout.readline().strip() == "listening"
        ptutil.psql(db.owner_url, f"UPDATE users SET display_name = display_name || ' ' WHERE id = {actor}")
        out, _ = listener.communicate("SELECT 1 AS again \\gset\n\\echo done\n", timeout=30)
    finally:
        if listener.poll() is None:
            listener.kill()
            listener.wait()
    assert notifications(out.splitlines()) == ["auth"], out


def test_the_app_role_cannot_take_or_forge_marks(db):
    out = ptutil.psql(db.app_url, "INSERT INTO change_marks (tx) VALUES (pg_current_xact_id());",
                      check=False, verbose_errors=True)
    assert out.returncode != 0 and "permission denied" in out.stderr, out.stderr
    out = ptutil.psql(db.app_url, "SELECT change_marks_take();", check=False, verbose_errors=True)
    assert out.returncode != 0 and "permission denied" in out.stderr, out.stderr

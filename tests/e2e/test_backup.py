"""Backups restore (docs/operations.md, "Backup and restore"), with the
commands the docs give.

- A logical dump of a migrated database with some history (task changes, a
  file, a period, users and tokens), restored into a scratch database: every
  table has the same rows, `policytrack audit verify` passes there, also
  against a checkpoint signed before the dump, and a daemon serves it and
  writes to it.
- A base backup plus archived WAL, recovered to a point in time: what was
  committed before that time is there, what came after is not, and the trail
  verifies against a checkpoint taken before that time."""

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

import ptutil

PDF = (b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
       b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")


def tool(name):
    path = ptutil.PGBIN / name
    return str(path) if path.exists() else name


def run(args, user=None, timeout=60):
    """A command, as the cluster's OS user when given and we are root."""
    if user and os.geteuid() == 0:
        args = ["runuser", "-u", user, "--", *args]
    cp = subprocess.run(args, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    assert cp.returncode == 0, f"{' '.join(args)} exited {cp.returncode}\n{cp.stdout}\n{cp.stderr}"
    return cp


def row_counts(url):
    """Every table of the schema and its number of rows."""
    tables = ptutil.psql_value(url, "SELECT string_agg(tablename, ' ' ORDER BY tablename) "
                                    "FROM pg_tables WHERE schemaname = 'public'").split()
    sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in tables)
    return dict(line.split("|") for line in ptutil.psql_value(url, sql + ";").splitlines())


def signed_checkpoint(tmp_path, url):
    key = tmp_path / "audit.key"
    public = ptutil.run_cli(["audit", "keygen", "--output", str(key)], expect_rc=0).stdout.strip()
    checkpoint = tmp_path / "before.checkpoint"
    ptutil.run_cli(["audit", "checkpoint", "--key", str(key), "--output", str(checkpoint),
                    "--database-url", url], expect_rc=0)
    return checkpoint, public


def patch(d, headers, task, fields):
    t = d.get(f"/api/v1/tasks/{task}", headers=headers)
    assert t.status == 200, t
    r = d.request("PATCH", f"/api/v1/tasks/{task}",
                  headers={**headers, "Content-Type": "application/json", "If-Match": t.header("ETag")},
                  body=json.dumps(fields).encode())
    assert r.status == 200, r


def test_a_dump_restores_into_a_scratch_database_that_verifies(daemons, fresh_db, tmp_path):
    ptutil.migrate(fresh_db.owner_url)
    coord = ptutil.bearer(ptutil.issue_token(fresh_db.app_url, ptutil.make_user(fresh_db.app_url, "coordinator")))
    moa = ptutil.bearer(ptutil.issue_token(fresh_db.app_url,
                                           ptutil.make_user(fresh_db.app_url, "agency", agency="moa")))
    d = daemons.start(database_url=fresh_db.app_url)
    tasks = [t["id"] for t in d.get("/api/v1/tasks?agency=moa&role=lead&limit=4", headers=coord).json()["items"]]
    patch(d, moa, tasks[0], {"status": "in_progress", "progress": 30, "note": "started"})
    patch(d, moa, tasks[1], {"status": "blocked", "note": "资金未到位"})
    patch(d, coord, tasks[2], {"due_date": "2027-03-31", "rag_override": {"rating": "amber", "rationale": "slow"}})
    r = d.request("POST", f"/api/v1/tasks/{tasks[0]}/files?name=plan.pdf",
                  headers={**moa, "Content-Type": "application/pdf"}, body=PDF)
    assert r.status == 201, r
    r = d.request("POST", "/api/v1/periods", headers={**coord, "Content-Type": "application/json"},
                  body=json.dumps({"code": "2026", "starts_on": "2026-01-01", "ends_on": "2026-12-31",
                                   "due_on": "2027-01-31"}).encode())
    assert r.status == 201, r
    checkpoint, public = signed_checkpoint(tmp_path, fresh_db.app_url)
    patch(d, moa, tasks[3], {"status": "in_progress"})   # after the checkpoint, before the dump
    # Stopped first: its folder would fold the sums' parts between the dump and the count.
    assert not d.finish()

    # docs/operations.md: the dump, as the tables' owner.
    dump = tmp_path / "policytrack.dump"
    run([tool("pg_dump"), "--format=custom", f"--file={dump}", fresh_db.owner_url])
    before = row_counts(fresh_db.owner_url)

    with ptutil.fresh_database() as scratch:
        run([tool("pg_restore"), "--exit-on-error", "--single-transaction",
             f"--dbname={scratch.owner_url}", str(dump)])
        after = row_counts(scratch.owner_url)
        assert after == before
        for table in ("tasks", "events", "task_event_states", "task_files", "file_blobs", "users", "tokens",
                      "periods", "document_versions", "measures"):
            assert int(after[table]) > 0, table

        ok = ptutil.run_cli(["audit", "verify", "--database-url", scratch.app_url], expect_rc=0)
        assert f"intact: {before['events']} events" in ok.stdout, ok.stdout
        ok = ptutil.run_cli(["audit", "verify", "--checkpoint", str(checkpoint), "--public-key", public,
                             "--database-url", scratch.app_url], expect_rc=0)
        assert "holds" in ok.stdout and "and 1 since" in ok.stdout, ok.stdout
        status = ptutil.migrate(scratch.owner_url, "--status").stdout
        assert all(state == "applied" for _, _, state in ptutil.parse_status(status)), status

        # The restored database serves and takes writes: sequences, triggers and
        # grants came back with the rows, and tokens still sign in.
        restored = daemons.start(database_url=scratch.app_url)
        assert restored.get("/readyz").status == 200
        patch(restored, moa, tasks[3], {"progress": 10, "note": "after the restore"})
        assert restored.get(f"/api/v1/tasks/{tasks[0]}/files", headers=coord).json()["items"][0]["name"] == "plan.pdf"
        ok = ptutil.run_cli(["audit", "verify", "--database-url", scratch.app_url], expect_rc=0)
        assert f"intact: {int(before['events']) + 1} events" in ok.stdout, ok.stdout
        assert not restored.finish()   # before its database is dropped


# --------------------------------------------------------------------------
# Point-in-time recovery


@pytest.fixture(scope="module")
def archiving_cluster(tmp_path_factory):
    """A scripts/pg cluster archiving its WAL as docs/operations.md says, with
    a base backup of it taken: set up outside the per-test time limit."""
    c = ptutil.PgCluster()
    try:
        c.init()
        c.archive = Path(c.root, "wal-archive")
        c.base = Path(c.root, "base")
        run(["mkdir", "-p", str(c.archive)], user="postgres")
        # What ALTER SYSTEM writes (docs/operations.md), written before the first
        # start so that archive_mode needs no restart here.
        run(["sh", "-c", "printf '%s\\n' \"$1\" \"$2\" >> \"$3\"", "-", "archive_mode = 'on'",
             f"archive_command = 'test ! -f {c.archive}/%f && cp %p {c.archive}/%f'",
             f"{c.root}/data/postgresql.auto.conf"], user="postgres")
        c.start()
        c.owner_url = c.url("policytrack", "policytrack")
        c.app_url = c.url("policytrack_app", "policytrack")
        c.socket = Path(c.root, "run")
        ptutil.migrate(c.owner_url)
        run([tool("pg_basebackup"), f"--pgdata={c.base}", "--format=plain", "--wal-method=stream",
             "--checkpoint=fast", f"--host={c.socket}", "--username=postgres"], user="postgres", timeout=120)
        yield c
    finally:
        c.destroy()


def change(url, task, fields, note):
    outcome = ptutil.psql_value(url, f"SELECT outcome FROM task_update({task}, NULL, 'coordinator', NULL, NULL, "
                                     f"(SELECT version FROM tasks WHERE id = {task}), '{fields}'::jsonb, '{note}')")
    assert outcome == "ok", outcome


def test_point_in_time_recovery_from_a_base_backup_and_archived_wal(archiving_cluster, tmp_path):
    c = archiving_cluster
    change(c.owner_url, 1, '{"status": "in_progress"}', "kept: before the target time")
    checkpoint, public = signed_checkpoint(tmp_path, c.app_url)
    target = ptutil.psql_value(c.owner_url, "SELECT now()")
    time.sleep(1.1)
    change(c.owner_url, 2, '{"status": "in_progress"}', "lost: after the target time")
    # The segment holding the last commit is archived when it is switched out.
    ptutil.psql(c.url("postgres", "postgres"), "SELECT pg_switch_wal();")
    last = ptutil.psql_value(c.url("postgres", "postgres"),
                             "SELECT pg_walfile_name(pg_current_wal_lsn() - 1)")
    ptutil.wait_for(lambda: (c.archive / last).exists(), timeout=20, what=f"WAL {last} archived")

    # docs/operations.md: the recovery, step by step.
    c.stop()
    data = Path(c.root, "data")
    run(["mv", str(data), f"{data}.before-restore"], user="postgres")
    run(["cp", "-a", str(c.base), str(data)], user="postgres")
    run(["touch", str(data / "recovery.signal")], user="postgres")
    run(["sh", "-c", "printf '%s\\n' \"$1\" \"$2\" \"$3\" >> \"$4\"", "-",
         f"restore_command = 'cp {c.archive}/%f %p'", f"recovery_target_time = '{target}'",
         "recovery_target_action = 'promote'", f"{data}/postgresql.auto.conf"], user="postgres")
    c.start()
    ptutil.wait_for(lambda: ptutil.psql_value(c.owner_url, "SELECT pg_is_in_recovery()") == "f",
                    timeout=30, what="recovery to end and promote")

    notes = ptutil.psql_value(c.owner_url, "SELECT string_agg(coalesce(last_note, '-'), '|' ORDER BY id) "
                                           "FROM tasks WHERE id IN (1, 2)")
    assert notes == "kept: before the target time|-", notes
    ok = ptutil.run_cli(["audit", "verify", "--checkpoint", str(checkpoint), "--public-key", public,
                         "--database-url", c.app_url], expect_rc=0)
    assert "holds" in ok.stdout and "and 0 since" in ok.stdout, ok.stdout

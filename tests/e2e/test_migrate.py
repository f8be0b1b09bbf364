"""`policytrack migrate`: status, idempotence, checksums, concurrency, roles,
and readiness of a daemon whose database is not migrated."""

import re
import subprocess
import time

import pytest

import ptutil


def status(url, env=None):
    cp = ptutil.migrate(url, "--status", env=env)
    rows = ptutil.parse_status(cp.stdout)
    assert rows, f"migrate --status printed no migrations:\n{cp.stdout}\n{cp.stderr}"
    versions = [v for v, _, _ in rows]
    assert versions == sorted(versions) and len(set(versions)) == len(versions), \
        f"--status versions are not in increasing order: {versions}"
    return rows


def recorded(url):
    out = ptutil.psql_value(url, "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version")
    return [tuple(line.split("|")) for line in out.splitlines() if line]


def test_status_lists_applied(migrated_db):
    owner = ptutil.migrate_db_url()
    rows = status(owner)
    assert all(state == "applied" for _, _, state in rows), rows
    db = [(int(v), n) for v, n, _, _ in recorded(owner)]
    assert db == [(v, n) for v, n, _ in rows], f"--status {rows} differs from schema_migrations {db}"


def test_binary_embeds_every_migration_file(migrated_db):
    files = sorted(p.name for p in (ptutil.ROOT / "migrations").glob("*.sql"))
    numbered = {}
    for f in files:
        m = re.match(r"^(\d+)", f)
        if m:
            numbered[int(m.group(1))] = f
    if not numbered:
        pytest.skip("no numbered migrations/*.sql files to compare with")
    versions = [v for v, _, _ in status(ptutil.migrate_db_url())]
    assert versions == sorted(numbered), \
        f"the binary's migrations {versions} differ from migrations/ {sorted(numbered)} (stale build?)"


def test_rerun_is_noop(migrated_db):
    owner = ptutil.migrate_db_url()
    before = recorded(owner)
    ptutil.migrate(owner)
    ptutil.migrate(owner)
    assert recorded(owner) == before, "re-running migrate changed schema_migrations"


def test_fresh_database_pending_then_applied(fresh_db):
    rows = status(fresh_db.owner_url)
    assert all(state == "pending" for _, _, state in rows), f"fresh database, --status says {rows}"
    exists = ptutil.psql_value(fresh_db.owner_url, "SELECT to_regclass('schema_migrations') IS NOT NULL")
    if exists == "t":
        assert ptutil.psql_value(fresh_db.owner_url, "SELECT count(*) FROM schema_migrations") == "0", \
            "--status applied migrations"
    tables = ptutil.psql_value(fresh_db.owner_url, "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN "
                               "('pg_catalog', 'information_schema') AND tablename <> 'schema_migrations'")
    assert tables == "0", "--status created tables"

    ptutil.migrate(fresh_db.owner_url)
    after = status(fresh_db.owner_url)
    assert [(v, n) for v, n, _ in after] == [(v, n) for v, n, _ in rows]
    assert all(state == "applied" for _, _, state in after), after
    assert len(recorded(fresh_db.owner_url)) == len(rows)


def test_database_url_from_environment(fresh_db):
    # POLICYTRACK_MIGRATE_DATABASE_URL wins over POLICYTRACK_DATABASE_URL (the
    # app role, which could not create the tables).
    env = {"POLICYTRACK_MIGRATE_DATABASE_URL": fresh_db.owner_url, "POLICYTRACK_DATABASE_URL": fresh_db.app_url}
    ptutil.run_cli(["migrate"], env=env, expect_rc=0)
    rows = ptutil.parse_status(ptutil.run_cli(["migrate", "--status"], env=env, expect_rc=0).stdout)
    assert rows and all(state == "applied" for _, _, state in rows), rows
    # Without the migrate URL, POLICYTRACK_DATABASE_URL is used.
    rows = ptutil.parse_status(ptutil.run_cli(["migrate", "--status"], expect_rc=0,
                                              env={"POLICYTRACK_DATABASE_URL": fresh_db.owner_url}).stdout)
    assert rows and all(state == "applied" for _, _, state in rows), rows


def test_tampered_checksum_refused(fresh_db):
    ptutil.migrate(fresh_db.owner_url)
    version = int(ptutil.psql_value(fresh_db.owner_url, "SELECT min(version) FROM schema_migrations"))
    ptutil.psql(fresh_db.owner_url, f"UPDATE schema_migrations SET checksum = 'x' WHERE version = {version}")
    cp = ptutil.migrate(fresh_db.owner_url, expect_rc=None)
    assert cp.returncode != 0, f"migrate accepted a tampered checksum:\n{cp.stdout}\n{cp.stderr}"
    assert "checksum" in cp.stderr.lower(), f"stderr does not mention the checksum:\n{cp.stderr}"
    assert re.search(rf"(?<!\d)0*{version}(?!\d)", cp.stderr), \
        f"stderr does not name migration {version}:\n{cp.stderr}"
    assert ptutil.psql_value(fresh_db.owner_url,
                             f"SELECT checksum FROM schema_migrations WHERE version = {version}") == "x", \
        "migrate rewrote the tampered checksum"


def test_concurrent_migrations(fresh_db):
    n = 4
    cmd = [ptutil.require_binary(ptutil.CLI), "migrate", "--database-url", fresh_db.owner_url]
    procs = [subprocess.Popen(cmd, env=ptutil.program_env(), stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(n)]
    outs = []
    try:
        for p in procs:
            out, err = p.communicate(timeout=60)
            outs.append((p.returncode, out, err))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for rc, out, err in outs:
        assert not ptutil.sanitizer_excerpt(err), err
        assert rc == 0, f"a concurrent migrate exited {rc}:\n{out}\n{err}"
    expected = len(status(fresh_db.owner_url))
    dup = ptutil.psql_value(fresh_db.owner_url,
                            "SELECT string_agg(version::text, ',') FROM (SELECT version FROM schema_migrations "
                            "GROUP BY version HAVING count(*) > 1) d")
    assert not dup, f"migrations recorded more than once: {dup}"
    assert len(recorded(fresh_db.owner_url)) == expected


@pytest.mark.parametrize("sql", [
    "DROP TABLE schema_migrations",
    "ALTER TABLE schema_migrations ADD COLUMN pwned int",
    "ALTER TABLE schema_migrations RENAME TO pwned",
    "TRUNCATE schema_migrations",
])
def test_app_role_cannot_change_schema(migrated_db, sql):
    cp = ptutil.psql(ptutil.app_db_url(), f"BEGIN;\n{sql};\nROLLBACK;\n", check=False, verbose_errors=True)
    assert cp.returncode != 0, f"the app role could run {sql!r}"
    assert "42501" in cp.stderr, f"{sql!r} failed, but not with insufficient_privilege:\n{cp.stderr}"


def test_app_role_cannot_drop_any_table(migrated_db):
    tables = ptutil.psql_value(ptutil.migrate_db_url(),
                               "SELECT string_agg(quote_ident(schemaname) || '.' || quote_ident(tablename), ' ') "
                               "FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
    for table in tables.split():
        cp = ptutil.psql(ptutil.app_db_url(), f"BEGIN;\nDROP TABLE {table} CASCADE;\nROLLBACK;\n", check=False,
                         verbose_errors=True)
        assert cp.returncode != 0 and "42501" in cp.stderr, f"the app role could drop {table}:\n{cp.stderr}"


def test_readyz_503_until_schema_migrated(daemons, fresh_db):
    d = daemons.start(database_url=fresh_db.app_url)
    assert d.get("/healthz").status == 200
    r = d.get("/readyz", timeout=10)
    body = ptutil.assert_problem(r, 503)
    assert "schema" in body["detail"].lower(), f"detail {body['detail']!r} does not say the schema is behind"
    assert r.elapsed < 3, f"/readyz took {r.elapsed:.2f}s"

    ptutil.migrate(fresh_db.owner_url)
    latest = max(v for v, _, _ in status(fresh_db.owner_url))
    deadline = time.monotonic() + 5
    while True:
        r = d.get("/readyz")
        if r.status == 200:
            break
        assert time.monotonic() < deadline, f"/readyz still {r.status} 5 s after migrating: {r!r}"
        time.sleep(0.2)
    assert r.json() == {"status": "ready", "schema_version": latest}


def test_readyz_503_when_schema_behind(daemons, fresh_db):
    ptutil.migrate(fresh_db.owner_url)
    ptutil.psql(fresh_db.owner_url, "DELETE FROM schema_migrations WHERE version = (SELECT max(version) "
                                    "FROM schema_migrations)")
    d = daemons.start(database_url=fresh_db.app_url)
    body = ptutil.assert_problem(d.get("/readyz", timeout=10), 503)
    assert "schema" in body["detail"].lower(), body

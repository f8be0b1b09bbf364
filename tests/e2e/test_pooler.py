"""Behind pgbouncer in transaction mode (Debian's 1.18: no protocol-level
prepared statements there). A pgbouncer on 127.0.0.1 with pool_mode =
transaction and fewer server connections than the daemon has clients sits in
front of the test cluster, so the daemon's requests share server sessions.

With --statement-mode=unnamed the daemon signs in, reads lists, objects and
dashboards, writes (an evidence file: a binary parameter and a binary result)
and answers timestamps in its --time-zone (one no server here uses) through it, while the server
sessions it used keep none of its settings afterwards (they are
transaction-local). The change feed goes straight to the database
(--feed-database-url): LISTEN needs a session of its own.

The default mode (prepared) is refused there: it sends its settings as the
startup packet's "options", which pgbouncer does not take, so the daemon is
not ready (503) and logs pgbouncer's reason, rather than half-working with
named statements that another client's session does not have."""

import concurrent.futures
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

import ptutil

PGBOUNCER = "/usr/sbin/pgbouncer"


def _as_server_user():
    """pgbouncer refuses to run as root: as root it runs as postgres, like the cluster."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


@pytest.fixture(scope="module")
def bouncer(migrated_db):
    if not os.path.exists(PGBOUNCER):
        pytest.fail("pgbouncer is not installed: run scripts/test (it installs it) or "
                    "`bash -c '. scripts/lib/common.sh; pt_ensure_packages pgbouncer'`")
    host = ptutil.conninfo_get(migrated_db, "host")
    pgport = ptutil.conninfo_get(migrated_db, "port") or "5432"
    dbname = ptutil.conninfo_get(migrated_db, "dbname")
    user = ptutil.conninfo_get(migrated_db, "user") or "policytrack_app"
    port = ptutil.free_port()
    work = tempfile.mkdtemp(prefix="pt-pgbouncer-")
    with open(os.path.join(work, "userlist.txt"), "w") as f:
        f.write(f'"{user}" ""\n')
    ini = os.path.join(work, "pgbouncer.ini")
    with open(ini, "w") as f:
        f.write(f"""[databases]
{dbname} = host={host} port={pgport} dbname={dbname}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {work}/userlist.txt
pool_mode = transaction
; fewer server connections than the daemon's pool: its clients share sessions
default_pool_size = 2
max_client_conn = 100
logfile = {work}/pgbouncer.log
""")
    if os.geteuid() == 0:
        shutil.chown(work, "postgres")
        for name in os.listdir(work):
            shutil.chown(os.path.join(work, name), "postgres")
    proc = subprocess.Popen([*_as_server_user(), PGBOUNCER, ini], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                log = open(os.path.join(work, "pgbouncer.log")).read() if os.path.exists(
                    os.path.join(work, "pgbouncer.log")) else ""
                proc.kill()
                pytest.fail(f"pgbouncer did not start:\n{log}")
            time.sleep(0.1)

    class B:
        pass

    b = B()
    b.port = port
    b.url = f"host=127.0.0.1 port={port} dbname={dbname} user={user}"
    b.log = os.path.join(work, "pgbouncer.log")
    try:
        yield b
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="module")
def who(migrated_db):
    out = {}
    for name, role, scope in (("obs", "observer", {}), ("most", "agency", {"agency": "most"})):
        user = ptutil.make_user(migrated_db, role, **scope)
        out[name] = {"headers": ptutil.bearer(ptutil.issue_token(migrated_db, user)), "username": user}
    return out


def pdf():
    return (b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
            b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")


def wait_ready(d, want, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        r = d.get("/readyz")
        if r.status == want or time.monotonic() > deadline:
            return r
        time.sleep(0.1)


def test_unnamed_mode_works_through_transaction_pooling(daemons, bouncer, migrated_db, who):
    d = daemons.start("--statement-mode", "unnamed", "--feed-database-url", migrated_db,
                      "--pool-size", "6", "--session-idle-s", "1234",
                      "--time-zone", "Pacific/Kiritimati", database_url=bouncer.url)
    assert wait_ready(d, 200).status == 200
    obs = who["obs"]["headers"]

    # Sign-in: the password check, the session's insert and its event.
    r = d.request("POST", "/api/v1/sessions", headers={"Content-Type": "application/json"},
                  body=json.dumps({"username": who["obs"]["username"],
                                   "password": ptutil.PASSWORD}).encode())
    assert r.status == 201, r
    signed_in = ptutil.bearer(r.json()["token"])
    assert d.get("/api/v1/me", headers=signed_in).status == 200

    # Reads: a list, an object, the dashboards, many at once so that the
    # daemon's six connections take turns on pgbouncer's two server sessions.
    page = d.get("/api/v1/tasks?agency=most&limit=5", headers=obs)
    assert page.status == 200, page
    task = page.json()["items"][0]["id"]
    paths = [f"/api/v1/tasks/{task}", "/api/v1/dashboard/summary", "/api/v1/dashboard/by-agency",
             "/api/v1/tasks?limit=20", "/api/v1/events?limit=20"] * 8
    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(lambda p: d.get(p, headers=obs, timeout=15), paths))
    assert [a.status for a in answers] == [200] * len(paths), [a for a in answers if a.status != 200]

    # A write with a binary parameter, read back as a binary result; its
    # timestamp carries the daemon's --time-zone (+14:00), set per transaction.
    data = pdf()
    r = d.request("POST", f"/api/v1/tasks/{task}/files?name=scan.pdf",
                  headers={**who["most"]["headers"], "Content-Type": "application/pdf"}, body=data)
    assert r.status == 201, r
    f = r.json()
    assert f["created_at"].endswith("+14:00"), f
    got = d.get(f["href"], headers=obs)
    assert got.status == 200 and got.body == data, got

    # Refusals still answer as problems through the pooler.
    ptutil.assert_problem(d.get("/api/v1/tasks/999999999", headers=obs), 404)

    # The server sessions the daemon used keep none of its settings: another
    # client of the pooler sees the server's own defaults.
    seen = ptutil.psql(bouncer.url, "SELECT current_setting('TimeZone') || ' ' || "
                                    "coalesce(nullif(current_setting('policytrack.session_idle_s', true), ''), '-')"
                                    " || ' ' || current_setting('statement_timeout');\n").stdout
    assert "Kiritimati" not in seen and "1234" not in seen, seen


def test_prepared_mode_is_refused_by_the_pooler(daemons, bouncer):
    d = daemons.start(database_url=bouncer.url)
    rec = d.wait_for_log(lambda r: r.get("msg") == "database connect failed", timeout=10)
    assert rec and "options" in json.dumps(rec), rec
    ptutil.assert_problem(d.get("/readyz"), 503)


def test_statement_mode_is_checked():
    cp = ptutil.run_daemon_once(["--statement-mode", "named"])
    assert cp.returncode == 2, cp
    assert "--statement-mode" in cp.stderr and "prepared, unnamed" in cp.stderr, cp.stderr

"""The topology of scripts/cluster on this machine: a durable primary, a
streaming replica made by pg_basebackup on a replication slot, pgbouncer in
transaction mode, two daemons (--statement-mode=unnamed through pgbouncer,
the change feed straight to the primary) and HAProxy checking /readyz.

One `up` (a synchronous standby) in a directory and on ports of the test's own (about 20 s on two
cores), then: `status` names every part, the primary and the replica's lag; a
sign-in through HAProxy is a write that reaches the replica; both daemons
serve; a daemon killed with SIGKILL is taken out of the rotation and the
service keeps answering; `down` stops everything it started."""

import json
import os
import random
import re
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

import ptutil

ROOT = os.environ.get("POLICYTRACK_ROOT") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "cluster")


def ports_free(base):
    for off in [0, 1, 2, 3, 9, 11, 12, 21, 22]:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", base + off))
            except OSError:
                return False
    return True


def cluster(env, *args, timeout=180, check=True):
    # A session of its own: on a timeout its children (a psql, the servers'
    # starters) go too, rather than hold the cluster's lock.
    proc = subprocess.Popen([SCRIPT, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        out, err = proc.communicate()
        pytest.fail(f"scripts/cluster {' '.join(args)} did not finish in {timeout}s:\n{out}\n{err}")
    cp = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    if check and cp.returncode != 0:
        pytest.fail(f"scripts/cluster {' '.join(args)} failed ({cp.returncode}):\n{cp.stdout}\n{cp.stderr}")
    return cp


@pytest.fixture(scope="module")
def topo():
    for _ in range(50):
        base = random.randrange(20000, 60000, 10)
        if ports_free(base):
            break
    else:
        pytest.fail("no free ports for the topology")
    # /tmp, not the clone: the postgres user must reach the data directories.
    root = tempfile.mkdtemp(prefix="pt-cluster-")
    os.chmod(root, 0o755)
    # A synchronous standby, so that the failover test may ask for no lost write.
    env = dict(os.environ, PT_CLUSTER_ROOT=root, PT_CLUSTER_PORT=str(base), PT_CLUSTER_DAEMONS="2",
               PT_CLUSTER_SYNC="1")
    env["POLICYTRACK_BUILD_DIR"] = os.environ.get("POLICYTRACK_BUILD_DIR", os.path.join(ROOT, "build"))

    class T:
        pass

    t = T()
    t.env, t.root, t.base, t.port = env, root, base, base
    t.owner_url = f"host={root}/server/primary/run port={base + 1} user=policytrack dbname=policytrack"
    try:
        started = time.monotonic()
        cluster(env, "up")
        t.up_seconds = time.monotonic() - started
        yield t
    finally:
        cluster(env, "down", check=False)
        leftovers = []
        for pidfile in ("haproxy/haproxy.pid", "daemon1/pid", "daemon2/pid",
                        "server/pgbouncer/pgbouncer.pid", "server/primary/data/postmaster.pid",
                        "server/replica/data/postmaster.pid"):
            path = os.path.join(root, pidfile)
            if os.path.exists(path):
                pid = open(path).readline().strip()
                if pid.isdigit() and os.path.exists(f"/proc/{pid}"):
                    leftovers.append(f"{pidfile}: {pid}")
        logs = ""
        for i in (1, 2):
            log = os.path.join(root, f"daemon{i}", "log")
            if os.path.exists(log):
                logs += open(log, errors="replace").read()
        shutil.rmtree(root, ignore_errors=True)
        assert not leftovers, f"scripts/cluster down left processes running: {leftovers}"
        report = ptutil.sanitizer_excerpt(logs)
        assert not report, report


def replica_psql(t, sql):
    cmd = [os.path.join(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"), "psql"), "-X", "-Atq",
           "-h", f"{t.root}/server/replica/run", "-p", str(t.base + 2), "-U", "postgres", "-d", "policytrack",
           "-c", sql]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=10, cwd="/").stdout.strip()


def test_status_names_each_part(topo):
    cp = cluster(topo.env, "status")
    out = cp.stdout
    assert re.search(r"^primary\s+running .*PRIMARY", out, re.M), out
    assert re.search(r"^replica\s+running .*standby", out, re.M), out
    assert re.search(r"replica\s+streaming sync\s+lag ", out), out
    assert "slot pt_replica1 active" in out, out
    assert re.search(r"^pgbouncer\s+running .*transaction pooling, answers", out, re.M), out
    assert re.search(r"^daemon1\s+running .*/readyz 200", out, re.M), out
    assert re.search(r"^daemon2\s+running .*/readyz 200", out, re.M), out
    assert "d1 UP d2 UP" in out, out


def test_writes_reach_the_replica_and_both_daemons_serve(topo):
    user = f"obs-{random.randrange(1 << 30):x}"
    ptutil.run_cli(["user", "add", user, "--role", "observer", "--password-stdin", "--database-url",
                    topo.owner_url], input=ptutil.PASSWORD + "\n", expect_rc=0)
    r = ptutil.http_request(topo.port, "POST", "/api/v1/sessions", headers={"Content-Type": "application/json"},
                            body=json.dumps({"username": user, "password": ptutil.PASSWORD}).encode())
    assert r.status == 201, r
    headers = ptutil.bearer(r.json()["token"])
    for _ in range(20):
        got = ptutil.http_request(topo.port, "GET", "/api/v1/tasks?limit=5", headers=headers)
        assert got.status == 200, got
    # The sign-in is on the replica within a few seconds (asynchronous streaming).
    deadline = time.monotonic() + 10
    while replica_psql(topo, f"SELECT count(*) FROM users WHERE username = '{user}'") != "1":
        assert time.monotonic() < deadline, "the replica did not replay the new user"
        time.sleep(0.2)
    # HAProxy spread the requests: each daemon answered some.
    for i in (1, 2):
        m = ptutil.http_request(topo.base + 20 + i, "GET", "/metrics")
        served = ptutil.metric_sum(ptutil.parse_metrics(m.body.decode())[1], "policytrack_http_requests_total",
                                   route="/api/v1/tasks")
        assert served > 0, f"daemon{i} served no list"


def test_a_killed_daemon_leaves_the_rotation(topo):
    pid = int(open(os.path.join(topo.root, "daemon1", "pid")).read())
    os.kill(pid, 9)
    statuses = [ptutil.http_request(topo.port, "GET", "/readyz").status for _ in range(30)]
    assert statuses == [200] * 30, statuses  # retries and redispatch cover the dead one
    deadline = time.monotonic() + 10
    while True:
        out = cluster(topo.env, "status", check=False)
        if "d1 DOWN" in out.stdout and out.returncode == 1:
            break
        assert time.monotonic() < deadline, out.stdout
        time.sleep(0.5)
    assert re.search(r"^daemon1\s+DOWN", out.stdout, re.M), out.stdout
    # `up` again starts what is missing and leaves the rest.
    cluster(topo.env, "up")
    assert cluster(topo.env, "status").returncode == 0


def ops_json(t, i, path):
    r = ptutil.http_request(t.base + 20 + i, "GET", path)
    return r


def replica_state(t, i, port_offset=2):
    """/readyz's entry for the node on base + port_offset (the replica by default)."""
    address = f"127.0.0.1:{t.base + port_offset}"
    for entry in ops_json(t, i, "/readyz").json().get("replicas", []):
        if entry.get("address") == address:
            return entry
    return {}


def replica_reads(t):
    total = 0
    for i in (1, 2):
        m = ops_json(t, i, "/metrics").body.decode()
        total += ptutil.metric_sum(ptutil.parse_metrics(m)[1], "policytrack_replica_reads_total")
    return total


def wait_until(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def test_reads_go_to_a_current_replica_and_writers_read_their_writes(topo):
    """--replica-url: lists and history go to the replica while it has
    replayed everything; replay paused on the replica, the writer reads its
    own change at once from either daemon (the read waits for a probe, finds
    the replica behind and goes to the primary), so does everyone else, and
    once the lag passes 2 s /readyz and /metrics say the replica is skipped."""
    t = topo
    wait_until(lambda: all(replica_state(t, i).get("state") == "streaming" for i in (1, 2)), 15,
               "the daemons never saw the replica streaming")
    assert all(replica_state(t, i).get("used") is True for i in (1, 2))
    tokens = {}
    for name, role, extra in (("obs", "observer", []), ("most", "agency", ["--agency", "most"])):
        user = f"{name}-{random.randrange(1 << 30):x}"
        ptutil.run_cli(["user", "add", user, "--role", role, *extra, "--password-stdin",
                        "--database-url", t.owner_url], input=ptutil.PASSWORD + "\n", expect_rc=0)
        tokens[name] = ptutil.bearer(ptutil.run_cli(["token", "issue", user, "--ttl", "1h", "--database-url",
                                                     t.owner_url], expect_rc=0).stdout.strip())
    before = replica_reads(t)
    for _ in range(6):
        assert ptutil.http_request(t.port, "GET", "/api/v1/tasks?limit=5", headers=tokens["obs"]).status == 200
    assert replica_reads(t) >= before + 6, "lists did not go to the replica"

    task = ptutil.http_request(t.port, "GET", "/api/v1/tasks?agency=most&status=not_started&limit=1",
                               headers=tokens["obs"]).json()["items"][0]["id"]
    history = f"/api/v1/tasks/{task}/events?limit=200"

    def kinds(headers):
        r = ptutil.http_request(t.port, "GET", history, headers=headers)
        assert r.status == 200, r
        return len(r.json()["items"])

    seen_before = kinds(tokens["obs"])
    replica_psql(t, "SELECT pg_wal_replay_pause()")
    try:
        etag = ptutil.http_request(t.port, "GET", f"/api/v1/tasks/{task}", headers=tokens["most"]).header("ETag")
        r = ptutil.http_request(t.port, "PATCH", f"/api/v1/tasks/{task}",
                                headers={**tokens["most"], "Content-Type": "application/json", "If-Match": etag},
                                body=json.dumps({"status": "in_progress", "progress": 10,
                                                 "note": "read your writes"}).encode())
        assert r.status == 200, r
        # The writer reads its change at once, whichever daemon answers, though
        # the replica has not replayed it.
        fallbacks = lambda: sum(ptutil.metric_sum(ptutil.parse_metrics(ops_json(t, i, "/metrics").body.decode())[1],
                                                  "policytrack_replica_fallbacks_total") for i in (1, 2))
        fell_back = fallbacks()
        for _ in range(6):
            assert kinds(tokens["most"]) == seen_before + 1
            assert kinds(tokens["obs"]) == seen_before + 1
        assert fallbacks() > fell_back
        # Past the 2 s bound the replica is skipped: everyone reads the primary.
        wait_until(lambda: all(replica_state(t, i).get("state") == "lagging" for i in (1, 2)), 15,
                   "the paused replica was never reported lagging")
        st = replica_state(t, 1)
        assert st["used"] is False and st["lag_ms"] > 2000 and st["behind_bytes"] > 0, st
        m = ptutil.parse_metrics(ops_json(t, 1, "/metrics").body.decode())[1]
        assert ptutil.metric_sum(m, "policytrack_replica_usable") == 0
        assert ptutil.metric_sum(m, "policytrack_replica_lag_seconds") > 2
        assert ptutil.http_request(t.port, "GET", "/readyz").status == 200  # the primary serves
        reads = replica_reads(t)
        for _ in range(4):
            assert kinds(tokens["obs"]) == seen_before + 1
        assert replica_reads(t) == reads, "a lagging replica was read"
    finally:
        replica_psql(t, "SELECT pg_wal_replay_resume()")
    wait_until(lambda: all(replica_state(t, i).get("state") == "streaming" for i in (1, 2)), 15,
               "the replica did not come back after replay resumed")


def test_failover_under_writes(topo):
    """kill -9 of the primary under a stream of writes through HAProxy; then
    `scripts/cluster failover` promotes the replica and repoints pgbouncer:
    writes resume with no daemon restarted, and reads go to the new primary.
    The replica is a synchronous standby here (PT_CLUSTER_SYNC=1): no
    acknowledged write is lost. The change feeds come back on the new primary by themselves. Runs
    last: the old primary stays down."""
    t = topo
    user = f"most-{random.randrange(1 << 30):x}"
    ptutil.run_cli(["user", "add", user, "--role", "agency", "--agency", "most", "--password-stdin",
                    "--database-url", t.owner_url], input=ptutil.PASSWORD + "\n", expect_rc=0)
    headers = ptutil.bearer(ptutil.run_cli(["token", "issue", user, "--ttl", "1h", "--database-url",
                                            t.owner_url], expect_rc=0).stdout.strip())
    task = ptutil.http_request(t.port, "GET", "/api/v1/tasks?agency=most&status=not_started&limit=1",
                               headers=headers).json()["items"][0]["id"]
    daemon_pids = [open(os.path.join(t.root, f"daemon{i}", "pid")).read().strip() for i in (1, 2)]

    def write(n):
        """One progress change with note wN; True when acknowledged (200)."""
        try:
            got = ptutil.http_request(t.port, "GET", f"/api/v1/tasks/{task}", headers=headers, timeout=3)
            if got.status != 200:
                return False
            body = {"progress": 1 + n % 90, "note": f"w{n}"}
            if got.json()["status"] == "not_started":
                body["status"] = "in_progress"
            r = ptutil.http_request(t.port, "PATCH", f"/api/v1/tasks/{task}",
                                    headers={**headers, "Content-Type": "application/json",
                                             "If-Match": got.header("ETag")},
                                    body=json.dumps(body).encode(), timeout=3)
            return r.status == 200
        except OSError:
            return False

    acked, n = [], 0
    for _ in range(15):
        n += 1
        if write(n):
            acked.append(n)
    assert len(acked) >= 10, acked
    pid = int(open(os.path.join(t.root, "server", "primary", "data", "postmaster.pid")).readline())
    os.kill(pid, 9)
    for _ in range(5):  # refused now: nothing is acknowledged while no primary runs
        n += 1
        if write(n):
            acked.append(n)
    out = cluster(t.env, "failover")
    assert "failed over" in out.stdout, out.stdout
    deadline = time.monotonic() + 30
    resumed = None
    while resumed is None:
        n += 1
        if write(n):
            resumed = n
            acked.append(n)
        else:
            assert time.monotonic() < deadline, "writes did not resume after the failover"
            time.sleep(0.3)
    for _ in range(5):
        n += 1
        assert write(n), "a write after the failover was refused"
        acked.append(n)
    # The same daemons, not restarted.
    assert [open(os.path.join(t.root, f"daemon{i}", "pid")).read().strip() for i in (1, 2)] == daemon_pids
    notes = set(replica_psql(t, f"SELECT string_agg(note, ' ') FROM events WHERE subject_type = 'task' "
                                f"AND subject_id = {int(task)}").split())
    lost = [k for k in acked if f"w{k}" not in notes]
    # A synchronous standby: every acknowledged write survives the primary.
    assert lost == [], (lost, acked)
    status = cluster(t.env, "status", check=False).stdout
    assert re.search(r"^replica\s+running .*PRIMARY", status, re.M), status
    assert re.search(r"^primary\s+DOWN", status, re.M), status
    assert replica_state(t, 1).get("state") == "not a replica"

    # The change feeds (and so the caches) are back, on the new primary.
    def feeds_live():
        return all(ptutil.metric_sum(ptutil.parse_metrics(ops_json(t, i, "/metrics").body.decode())[1],
                                     "policytrack_change_feed_live") == 1 for i in (1, 2))
    wait_until(feeds_live, 20, "a daemon's change feed did not come back on the new primary")

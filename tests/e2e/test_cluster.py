"""The topology of scripts/cluster on this machine: a durable primary, two
streaming replicas made by pg_basebackup on replication slots of their own,
pgbouncer in transaction mode, two daemons (--statement-mode=unnamed through
pgbouncer, the change feed straight to the primary, every node as
--replica-url) and HAProxy checking /readyz.

One `up` (synchronous standbys) in a directory and on ports of the test's own
(about 25 s on two cores), then: `status` names every part, the primary and
each replica's lag; a sign-in through HAProxy is a write that reaches the
replicas; both daemons serve; a daemon killed with SIGKILL is taken out of
the rotation and the service keeps answering; reads are dealt to the
replicas that are current and skip one that is paused or stopped; kill -9 of
the primary, `failover` (the other replica follows) and `rejoin` (the old
primary streams again); `down` stops everything it started."""

import json
import os
import random
import re
import shutil
import signal
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
    for off in [0, 1, 2, 3, 4, 9, 11, 12, 21, 22]:
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
               PT_CLUSTER_SYNC="1", PT_CLUSTER_REPLICAS="2")
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
                        "server/replica/data/postmaster.pid", "server/replica2/data/postmaster.pid"):
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


NODE_PORT = {"primary": 1, "replica": 2, "replica2": 4}
REPLICAS = ("replica", "replica2")


def pg_tool(name, *args):
    cmd = [os.path.join(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"), name), *args]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd="/")


def replica_psql(t, sql, node="replica"):
    return pg_tool("psql", "-X", "-Atq", "-h", f"{t.root}/server/{node}/run", "-p", str(t.base + NODE_PORT[node]),
                   "-U", "postgres", "-d", "policytrack", "-c", sql).stdout.strip()


def test_status_names_each_part(topo):
    cp = cluster(topo.env, "status")
    out = cp.stdout
    assert re.search(r"^primary\s+running .*PRIMARY", out, re.M), out
    assert re.search(r"^replica\s+running .*standby", out, re.M), out
    assert re.search(r"replica\s+streaming sync\s+lag ", out), out
    assert "slot pt_replica1 active" in out, out
    assert re.search(r"^replica2\s+running .*standby", out, re.M), out
    assert re.search(r"replica2\s+streaming (potential|async)\s+lag ", out), out
    assert "slot pt_replica2 active" in out, out
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


def replica_state(t, i, node="replica"):
    """/readyz's entry for a node (every node is in --replica-url)."""
    address = f"127.0.0.1:{t.base + NODE_PORT[node]}"
    for entry in ops_json(t, i, "/readyz").json().get("replicas", []):
        if entry.get("address") == address:
            return entry
    return {}


def metrics(t, i):
    return ptutil.parse_metrics(ops_json(t, i, "/metrics").body.decode())[1]


def replica_reads(t, node=None):
    """Reads both daemons sent to one node, or to any replica."""
    labels = {"address": f"127.0.0.1:{t.base + NODE_PORT[node]}"} if node else {}
    return sum(ptutil.metric_sum(metrics(t, i), "policytrack_replica_reads_total", **labels) for i in (1, 2))


def fallbacks(t):
    return sum(ptutil.metric_sum(metrics(t, i), "policytrack_replica_fallbacks_total") for i in (1, 2))


def wait_until(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def all_in_state(t, nodes, state):
    return lambda: all(replica_state(t, i, n).get("state") == state for i in (1, 2) for n in nodes)


def users(t):
    """An observer's and a MOST agency user's Authorization headers."""
    tokens = {}
    for name, role, extra in (("obs", "observer", []), ("most", "agency", ["--agency", "most"])):
        user = f"{name}-{random.randrange(1 << 30):x}"
        ptutil.run_cli(["user", "add", user, "--role", role, *extra, "--password-stdin",
                        "--database-url", t.owner_url], input=ptutil.PASSWORD + "\n", expect_rc=0)
        tokens[name] = ptutil.bearer(ptutil.run_cli(["token", "issue", user, "--ttl", "1h", "--database-url",
                                                     t.owner_url], expect_rc=0).stdout.strip())
    return tokens


def test_reads_go_to_current_replicas_and_writers_read_their_writes(topo):
    """--replica-url with every node: the primary is "not a replica"; lists
    and history are dealt to both replicas while they have replayed
    everything; replay paused on one, the writer reads its own change at once
    from either daemon and reads go to the other; paused on both, they go to
    the primary; once the lag passes 2 s /readyz and /metrics say each is
    skipped."""
    t = topo
    wait_until(all_in_state(t, REPLICAS, "streaming"), 15, "the daemons never saw both replicas streaming")
    assert all(replica_state(t, i, n).get("used") is True for i in (1, 2) for n in REPLICAS)
    assert replica_state(t, 1, "primary") == {"replica": 1, "address": f"127.0.0.1:{t.base + 1}",
                                              "state": "not a replica", "used": False}
    # Labelled per replica, in the exposition format promtool accepts
    # (test_health requires promtool; here it only adds to the test).
    promtool = os.environ.get("PROMTOOL") or shutil.which("promtool")
    if promtool:
        body = ops_json(t, 1, "/metrics").body
        cp = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True, timeout=30)
        assert cp.returncode == 0, (cp.stdout + cp.stderr).decode()
    tokens = users(t)
    before = {n: replica_reads(t, n) for n in REPLICAS}
    for _ in range(12):
        assert ptutil.http_request(t.port, "GET", "/api/v1/tasks?limit=5", headers=tokens["obs"]).status == 200
    after = {n: replica_reads(t, n) for n in REPLICAS}
    assert sum(after.values()) >= sum(before.values()) + 12, "lists did not go to the replicas"
    assert all(after[n] > before[n] for n in REPLICAS), ("the reads were not dealt to both", before, after)

    task = ptutil.http_request(t.port, "GET", "/api/v1/tasks?agency=most&status=not_started&limit=1",
                               headers=tokens["obs"]).json()["items"][0]["id"]
    history = f"/api/v1/tasks/{task}/events?limit=200"

    def kinds(headers):
        r = ptutil.http_request(t.port, "GET", history, headers=headers)
        assert r.status == 200, r
        return len(r.json()["items"])

    def change(body):
        etag = ptutil.http_request(t.port, "GET", f"/api/v1/tasks/{task}", headers=tokens["most"]).header("ETag")
        r = ptutil.http_request(t.port, "PATCH", f"/api/v1/tasks/{task}",
                                headers={**tokens["most"], "Content-Type": "application/json", "If-Match": etag},
                                body=json.dumps(body).encode())
        assert r.status == 200, r

    seen_before = kinds(tokens["obs"])
    replica_psql(t, "SELECT pg_wal_replay_pause()")
    paused = ["replica"]
    try:
        change({"status": "in_progress", "progress": 10, "note": "read your writes"})
        # The writer reads its change at once, whichever daemon answers,
        # though the first replica has not replayed it.
        on_paused = replica_reads(t, "replica")
        for _ in range(6):
            assert kinds(tokens["most"]) == seen_before + 1
            assert kinds(tokens["obs"]) == seen_before + 1
        assert replica_reads(t, "replica") == on_paused, "a replica behind the write was read"
        # Once the second replica has the change, the reads go there.
        wait_until(lambda: replica_psql(t, "SELECT count(*) FROM events WHERE note = 'read your writes' "
                                           f"AND subject_id = {int(task)}", "replica2") == "1",
                   10, "the second replica did not replay the change")
        on_second = replica_reads(t, "replica2")
        for _ in range(6):
            assert kinds(tokens["obs"]) == seen_before + 1
        assert replica_reads(t, "replica2") >= on_second + 5, "reads did not go to the current replica"

        replica_psql(t, "SELECT pg_wal_replay_pause()", "replica2")
        paused.append("replica2")
        change({"progress": 20, "note": "read your writes again"})
        fell_back = fallbacks(t)
        for _ in range(6):
            assert kinds(tokens["most"]) == seen_before + 2
            assert kinds(tokens["obs"]) == seen_before + 2
        assert fallbacks(t) > fell_back, "no replica was current, yet no read went to the primary"
        # Past the 2 s bound each replica is skipped: everyone reads the primary.
        wait_until(all_in_state(t, REPLICAS, "lagging"), 15, "the paused replicas were never reported lagging")
        for n in REPLICAS:
            st = replica_state(t, 1, n)
            assert st["used"] is False and st["lag_ms"] > 2000 and st["behind_bytes"] > 0, st
        m = metrics(t, 1)
        assert ptutil.metric_sum(m, "policytrack_replica_usable") == 0
        for n in REPLICAS:
            assert ptutil.metric_sum(m, "policytrack_replica_lag_seconds",
                                     address=f"127.0.0.1:{t.base + NODE_PORT[n]}", replica=str(1 + REPLICAS.index(n) + 1)) > 2
        assert ptutil.http_request(t.port, "GET", "/readyz").status == 200  # the primary serves
        reads = replica_reads(t)
        for _ in range(4):
            assert kinds(tokens["obs"]) == seen_before + 2
        assert replica_reads(t) == reads, "a lagging replica was read"
    finally:
        for n in paused:
            replica_psql(t, "SELECT pg_wal_replay_resume()", n)
    wait_until(all_in_state(t, REPLICAS, "streaming"), 15, "the replicas did not come back after replay resumed")


def test_a_stopped_replica_is_skipped(topo):
    """One of two replicas stopped: the daemons report it unreachable and
    send every read to the other; `up` starts it again and it is used again."""
    t = topo
    wait_until(all_in_state(t, REPLICAS, "streaming"), 15, "the daemons never saw both replicas streaming")
    tokens = users(t)
    cp = pg_tool("pg_ctl", "-D", f"{t.root}/server/replica2/data", "-m", "fast", "-w", "-s", "stop")
    assert cp.returncode == 0, cp.stderr
    try:
        wait_until(all_in_state(t, ["replica2"], "unreachable"), 15, "the stopped replica was not reported unreachable")
        assert replica_state(t, 2, "replica2")["used"] is False
        assert ptutil.metric_sum(metrics(t, 2), "policytrack_replica_usable", address=f"127.0.0.1:{t.base + 4}") == 0
        first, second = replica_reads(t, "replica"), replica_reads(t, "replica2")
        for _ in range(8):
            r = ptutil.http_request(t.port, "GET", "/api/v1/tasks?limit=5", headers=tokens["obs"])
            assert r.status == 200 and r.json()["items"], r
        assert replica_reads(t, "replica2") == second, "the stopped replica was read"
        assert replica_reads(t, "replica") >= first + 8, "the reads did not go to the running replica"
    finally:
        cluster(t.env, "up")
    wait_until(all_in_state(t, ["replica2"], "streaming"), 20, "the restarted replica was not used again")


def node_processes(t, node):
    """A node's postmaster and its children (backends, walreceiver, startup)."""
    postmaster = int(open(os.path.join(t.root, "server", node, "data", "postmaster.pid")).readline())
    pids = [postmaster]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == postmaster:
                pids.append(int(entry))
    return pids


def test_a_wedged_replica_holds_up_no_read(topo):
    """Every process of one replica stopped (SIGSTOP): its connections stay
    open and silent. A read waits at most a second for its probe answer,
    then it is reported unreachable and reads go to the other replica; on
    SIGCONT it is used again."""
    t = topo
    wait_until(all_in_state(t, REPLICAS, "streaming"), 15, "the daemons never saw both replicas streaming")
    tokens = users(t)
    pids = node_processes(t, "replica2")
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        first, second = replica_reads(t, "replica"), replica_reads(t, "replica2")
        for _ in range(6):
            # Far below --query-timeout-ms (5 s) plus the pool's second, which a
            # read held for the wedged replica's answer would take.
            r = ptutil.http_request(t.port, "GET", "/api/v1/tasks?limit=5", headers=tokens["obs"], timeout=4)
            assert r.status == 200, r
        wait_until(all_in_state(t, ["replica2"], "unreachable"), 10, "the wedged replica was not passed over")
        assert replica_reads(t, "replica2") == second, "the wedged replica was read"
        assert replica_reads(t, "replica") >= first + 5, "the reads did not go to the other replica"
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)
    wait_until(all_in_state(t, ["replica2"], "streaming"), 20, "the replica was not used again after SIGCONT")


def leader_url(t):
    return (f"host={t.root}/server/{t.leader}/run port={t.base + NODE_PORT[t.leader]} "
            "user=policytrack dbname=policytrack")


def test_failover_under_writes(topo):
    """kill -9 of the primary under a stream of writes through HAProxy; then
    `scripts/cluster failover` promotes the most advanced replica, points the
    other one and pgbouncer at it: writes resume with no daemon restarted,
    reads go to the new primary and the other replica streams from it.
    The replicas are synchronous standbys here (PT_CLUSTER_SYNC=1): no
    acknowledged write is lost. The change feeds come back on the new primary
    by themselves. Runs after the others: the old primary stays down until
    the rejoin test."""
    t = topo
    user = f"most-{random.randrange(1 << 30):x}"
    ptutil.run_cli(["user", "add", user, "--role", "agency", "--agency", "most", "--password-stdin",
                    "--database-url", t.owner_url], input=ptutil.PASSWORD + "\n", expect_rc=0)
    headers = ptutil.bearer(ptutil.run_cli(["token", "issue", user, "--ttl", "1h", "--database-url",
                                            t.owner_url], expect_rc=0).stdout.strip())
    task = ptutil.http_request(t.port, "GET", "/api/v1/tasks?agency=most&status=not_started&limit=1",
                               headers=headers).json()["items"][0]["id"]
    daemon_pids = [open(os.path.join(t.root, f"daemon{i}", "pid")).read().strip() for i in (1, 2)]
    t.headers, t.task = headers, task

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
    t.write = write

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
    m = re.search(r"failed over: the primary is now (replica2?) at", out.stdout)
    assert m, out.stdout
    t.leader = m.group(1)
    other = "replica2" if t.leader == "replica" else "replica"
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
    t.n = n
    # The same daemons, not restarted.
    assert [open(os.path.join(t.root, f"daemon{i}", "pid")).read().strip() for i in (1, 2)] == daemon_pids
    notes = set(replica_psql(t, f"SELECT string_agg(note, ' ') FROM events WHERE subject_type = 'task' "
                                f"AND subject_id = {int(task)}", t.leader).split())
    lost = [k for k in acked if f"w{k}" not in notes]
    # Synchronous standbys and the most advanced one promoted: every acknowledged write survives.
    assert lost == [], (lost, acked)
    status = cluster(t.env, "status", check=False).stdout
    assert re.search(rf"^{t.leader}\s+running .*PRIMARY", status, re.M), status
    assert re.search(r"^primary\s+DOWN .*fenced", status, re.M), status
    # The other replica follows the new primary, on a slot of its own there.
    assert re.search(rf"^  {other}\s+streaming ", status, re.M), status
    assert f"slot pt_{'replica1' if other == 'replica' else other} active" in status, status
    wait_until(lambda: replica_psql(t, f"SELECT count(*) FROM events WHERE note = 'w{n}'", other) == "1",
               10, "the other replica does not replay the new primary's writes")
    assert replica_state(t, 1, t.leader).get("state") == "not a replica"
    wait_until(all_in_state(t, [other], "streaming"), 15, "the daemons do not read the other replica")

    # The change feeds (and so the caches) are back, on the new primary.
    def feeds_live():
        return all(ptutil.metric_sum(metrics(t, i), "policytrack_change_feed_live") == 1 for i in (1, 2))
    wait_until(feeds_live, 20, "a daemon's change feed did not come back on the new primary")


def test_rejoin_makes_the_old_primary_a_replica(topo):
    """`scripts/cluster rejoin` rewinds the killed primary (pg_rewind) onto
    the new primary's timeline and starts it as a replica: `status` shows it
    streaming, writes on the new primary reach it, and the daemons, not
    restarted, read from it again."""
    t = topo
    if not hasattr(t, "leader"):
        pytest.skip("needs the failover test before it")
    out = cluster(t.env, "rejoin", timeout=120)
    assert re.search(rf"rejoined: primary streams from {t.leader}", out.stdout), out.stdout + out.stderr
    # pg_rewind, not the fallback copy: the old primary's data was rewound.
    assert "pg_rewind failed" not in out.stderr, out.stderr
    status = cluster(t.env, "status").stdout  # every part runs again: exit 0
    assert re.search(r"^primary\s+running .*standby", status, re.M), status
    assert re.search(r"^  primary\s+streaming ", status, re.M), status
    assert "slot pt_primary active" in status, status
    # The slots it kept for its own replicas are gone: they would hold WAL there.
    assert replica_psql(t, "SELECT count(*) FROM pg_replication_slots", "primary") == "0"
    t.n += 1
    assert t.write(t.n), "a write after the rejoin was refused"
    wait_until(lambda: replica_psql(t, f"SELECT count(*) FROM events WHERE note = 'w{t.n}'", "primary") == "1",
               10, "the rejoined node does not replay the new primary's writes")
    wait_until(all_in_state(t, ["primary"], "streaming"), 15, "the daemons do not read the rejoined node")

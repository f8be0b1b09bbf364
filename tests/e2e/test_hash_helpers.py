"""argon2id outside the daemon (issue 15, item 4): hashing and verifying run
in helper processes, children of the daemon at nice 19 with a socketpair and
nothing else; one killed is replaced, its sign-in answered 503; they go when
the daemon goes, killed outright or not; and a machine kept busy by other
sessions slows sign-ins without starving them."""

import json
import os
import signal
import subprocess
import sys
import threading
import time

import ptutil

PASSWORD = ptutil.PASSWORD


def stat_fields(pid):
    """/proc/PID/stat's fields after "(comm)": [0] is the state, [1] the parent."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def children(pid):
    """The processes whose parent is pid."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if int(stat_fields(entry)[1]) == pid:
                out.append(int(entry))
        except (FileNotFoundError, ProcessLookupError, IndexError):
            pass
    return sorted(out)


def helpers(d):
    """The daemon's hash helpers, by their command line."""
    found = []
    for pid in children(d.pid):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except FileNotFoundError:
            continue
        if len(argv) > 1 and argv[1] == b"--hash-helper":
            found.append(pid)
    return found


def alive(pid):
    """True while pid exists, a zombie included (/proc shows zombies too)."""
    return os.path.exists(f"/proc/{pid}")


def sign_in(d, username, password=PASSWORD, timeout=60.0):
    return d.request("POST", "/api/v1/sessions", headers={"Content-Type": "application/json"},
                     body=json.dumps({"username": username, "password": password}).encode(),
                     timeout=timeout)


def test_helpers_are_child_processes_not_threads(daemons, migrated_db):
    d = daemons.start("--hash-threads", "3", database_url=migrated_db,
                      env={"PGPASSWORD": "not-for-helpers"})
    # A helper lowers its own priority as it starts (ASan's start-up takes a while).
    ptutil.wait_for(lambda: len(helpers(d)) == 3 and
                    all(int(stat_fields(p)[16]) == 19 for p in helpers(d)), 10,
                    "three hash helpers at nice 19")
    tasks = {int(t) for t in os.listdir(f"/proc/{d.pid}/task")}
    for pid in helpers(d):
        assert pid not in tasks and pid != d.pid, "a helper is one of the daemon's threads"
        # The socketpair (3) and stdin, stdout (/dev/null), stderr: no listener, no database.
        assert sorted(int(fd) for fd in os.listdir(f"/proc/{pid}/fd")) == [0, 1, 2, 3]
        assert os.readlink(f"/proc/{pid}/fd/3").startswith("socket:")
        assert os.getsid(pid) == pid != os.getsid(d.pid), "a session (and CPU autogroup) of its own"
        with open(f"/proc/{pid}/comm") as f:
            assert f.read().strip() == "pt-hash-helper", "named for ps and top"
        with open(f"/proc/{pid}/environ", "rb") as f:
            assert b"PGPASSWORD" not in f.read(), "the daemon's environment reached a helper"
    # Every thread the daemon has keeps the normal priority: no hashing in it.
    for tid in tasks:
        assert int(stat_fields(f"{d.pid}/task/{tid}")[16]) == 0
    # And they do the work: a sign-in is verified. Each hash's 64 MiB goes when it is done.
    user = ptutil.make_user(migrated_db, "observer")
    for _ in range(3):
        assert sign_in(d, user).status == 201
    for pid in helpers(d):
        with open(f"/proc/{pid}/status") as f:
            rss_kib = int(next(l for l in f if l.startswith("VmRSS:")).split()[1])
        assert rss_kib < 32 * 1024, f"a helper keeps {rss_kib} KiB between hashes"


def test_killed_helper_fails_its_sign_in_and_is_replaced(daemons, migrated_db):
    d = daemons.start("--hash-threads", "2", database_url=migrated_db)
    users = [ptutil.make_user(migrated_db, "observer") for _ in range(8)]
    assert sign_in(d, users[0]).status == 201  # both helpers are up and warm
    before = helpers(d)
    assert len(before) == 2, before
    statuses = []

    def login(u):
        r = sign_in(d, u)
        if r.status != 201:
            ptutil.assert_problem(r, 503)
            assert r.header("Retry-After") is not None
        statuses.append(r.status)

    threads = [threading.Thread(target=login, args=(u,)) for u in users]
    for t in threads:
        t.start()
    # Kill a helper while it hashes (state R): with eight sign-ins queued on two
    # helpers it always holds one.
    victim = None
    deadline = time.monotonic() + 30
    while victim is None and time.monotonic() < deadline:
        for pid in before:
            if stat_fields(pid)[0] == "R":
                victim = pid
                break
        else:
            time.sleep(0.005)
    assert victim is not None, "no helper was seen hashing"
    os.kill(victim, signal.SIGKILL)
    for t in threads:
        t.join()
    assert len(statuses) == 8
    assert 503 in statuses, f"the killed helper's sign-in was not answered 503: {statuses}"
    assert d.running() and d.get("/healthz").status == 200
    # Reaped (no zombie left) and replaced by a new process.
    ptutil.wait_for(lambda: not alive(victim), 5, "the killed helper reaped")
    ptutil.wait_for(lambda: len(helpers(d)) == 2, 5, "a new helper started")
    assert victim not in helpers(d)
    assert d.wait_for_log(lambda r: r.get("msg") == "hash helper lost")
    for u in users[:4]:
        assert sign_in(d, u).status == 201


def test_helpers_go_with_the_daemon(daemons, migrated_db):
    d = daemons.start("--hash-threads", "2", database_url=migrated_db)
    ptutil.wait_for(lambda: len(helpers(d)) == 2, 10, "two hash helpers")
    pids = helpers(d)
    d.signal(signal.SIGTERM)
    assert d.wait(10) == 0
    assert not any(alive(p) for p in pids), "a helper outlived a daemon stopped by SIGTERM"
    # Killed outright, the daemon cannot reap them: they still die (PR_SET_PDEATHSIG).
    d2 = daemons.start("--hash-threads", "2", database_url=migrated_db)
    ptutil.wait_for(lambda: len(helpers(d2)) == 2, 10, "two hash helpers")
    pids = helpers(d2)
    d2.expect_exit_rc = -signal.SIGKILL
    d2.proc.kill()
    d2.wait(10)
    ptutil.wait_for(lambda: not any(alive(p) for p in pids), 5, "helpers gone after SIGKILL")


def test_hash_helper_mode_is_not_for_people():
    cp = ptutil.run_daemon_once(["--hash-helper"])
    assert cp.returncode == 2 and "daemon's own use" in cp.stderr, cp


def test_an_idle_helper_killed_costs_no_sign_in(daemons, migrated_db):
    """Only the job a helper was holding fails: with the one helper killed
    while idle, the next sign-in waits for its successor and succeeds."""
    d = daemons.start("--hash-threads", "1", database_url=migrated_db)
    user = ptutil.make_user(migrated_db, "observer")
    assert sign_in(d, user).status == 201
    (victim,) = helpers(d)
    os.kill(victim, signal.SIGKILL)
    # SIGKILL lands a moment after kill() returns: a sign-in sent before the
    # helper is dead could reach it whole and die with it (the case the test
    # above covers). Once it is dead, its socket is closed.
    ptutil.wait_for(lambda: not alive(victim), 5, "the helper dying")
    r = sign_in(d, user)
    assert r.status == 201, r
    ptutil.wait_for(lambda: not alive(victim) and len(helpers(d)) == 1, 5, "a new helper")


def test_sign_ins_complete_while_other_sessions_keep_every_core_busy(daemons, migrated_db):
    """Each helper's session of its own is a CPU autogroup of its own (the
    kernel shares CPU between sessions first, by nice only within one): busy
    loops in sessions of their own, two a core, slow sign-ins down but
    must not starve them (an autogroup nice of 19 did: docs/performance.md)."""
    d = daemons.start("--hash-threads", "2", database_url=migrated_db)
    users = [ptutil.make_user(migrated_db, "observer") for _ in range(4)]
    assert sign_in(d, users[0]).status == 201  # both helpers up and warm
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True)
            for _ in range(2 * (os.cpu_count() or 1))]
    try:
        statuses = []

        def login(u):
            statuses.append(sign_in(d, u, timeout=30).status)

        threads = [threading.Thread(target=login, args=(u,)) for u in users]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert statuses == [201] * len(users), statuses
        assert d.get("/healthz").status == 200
    finally:
        for h in hogs:
            h.kill()
            h.wait()

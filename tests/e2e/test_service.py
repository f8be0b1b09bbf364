"""policytrackd as a service: the configuration file, SIGHUP reloading it, and
the service manager's readiness protocol ($NOTIFY_SOCKET, Type=notify)."""

import json
import os
import signal
import socket
import time

import ptutil


def write(path, text):
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)  # as an editor or configuration management would


def request_lines(d):
    return [r for r in d.log_records() if r.get("msg") == "request" and r.get("path") == "/healthz"]


def reloads(d, msg="configuration reloaded"):
    return [r for r in d.log_records() if r.get("msg") == msg]


def hangup(d, before, msg="configuration reloaded"):
    """SIGHUP, then the log line that says it was handled."""
    d.signal(signal.SIGHUP)
    ptutil.wait_for(lambda: len(reloads(d, msg)) > before, what=f"a {msg!r} line after SIGHUP")
    return reloads(d, msg)[-1]


def healthz_logged(d):
    """Whether a /healthz request now writes its access-log line (level info)."""
    before = len(request_lines(d))
    assert d.get("/healthz").status == 200
    # The access log is written at the end of the loop iteration: a second
    # request's answer means the first one's line, if any, is out.
    assert d.get("/healthz").status == 200
    time.sleep(0.1)
    return len(request_lines(d)) > before


def test_sighup_rereads_the_log_level(daemons, tmp_path):
    conf = tmp_path / "policytrackd.env"
    write(conf, "# as shipped\nPOLICYTRACK_LOG_LEVEL=info\n")
    d = daemons.start("--config-file", str(conf), log_level=None)
    assert healthz_logged(d), "info level writes access-log lines"

    write(conf, "POLICYTRACK_LOG_LEVEL=warn\n")
    rec = hangup(d, 0)
    assert rec["applied"] == ["log-level"] and rec["restart_needed"] == [] and rec["log_level"] == "warn"
    assert not healthz_logged(d), "warn level: no access-log lines"

    write(conf, "POLICYTRACK_LOG_LEVEL='debug'\n")
    rec = hangup(d, 1)  # said after the switch: warn would have hidden it
    assert rec["log_level"] == "debug"
    assert healthz_logged(d), "debug level writes access-log lines again"


def session_lifetime(d, username):
    r = d.request("POST", "/api/v1/sessions", headers={"Content-Type": "application/json"},
                  body=json.dumps({"username": username, "password": ptutil.PASSWORD}).encode())
    assert r.status == 201, r
    return r.json()["expires_in"]


def test_settings_that_need_a_restart_are_named_and_kept(daemons, tmp_path, migrated_db):
    conf = tmp_path / "policytrackd.env"
    db = f"POLICYTRACK_DATABASE_URL='{migrated_db}'\n"
    write(conf, db + "POLICYTRACK_POOL_SIZE=2\nPOLICYTRACK_SESSION_TTL_S=3600\n")
    d = daemons.start("--config-file", str(conf), log_level=None, database_url=None)
    user = ptutil.make_user(migrated_db, "observer")
    assert session_lifetime(d, user) == 3600
    write(conf, "POLICYTRACK_POOL_SIZE=3\nPOLICYTRACK_SESSION_TTL_S=600\n"
                "POLICYTRACK_DATABASE_URL='dbname=secret password=hunter2'\n")
    rec = hangup(d, 0)
    assert rec["applied"] == ["session-ttl-s"]
    assert session_lifetime(d, user) == 600, "tokens issued after the reload live 600 s"
    assert sorted(rec["restart_needed"]) == ["database-url", "pool-size"]
    warn = d.wait_for_log(lambda r: r.get("msg") == "restart needed")
    assert warn and warn["level"] == "warn" and sorted(warn["settings"]) == ["database-url", "pool-size"]
    assert "hunter2" not in d.stderr_text(), "a reload never logs values"
    # The pool kept its size and its database: the daemon still answers from it.
    ptutil.wait_for(lambda: d.get("/readyz").status == 200, timeout=10, what="/readyz 200")
    # Said again at the next SIGHUP, as long as it waits for the restart.
    rec = hangup(d, 1)
    assert sorted(rec["restart_needed"]) == ["database-url", "pool-size"] and rec["applied"] == []


def test_flags_and_environment_still_win_after_a_reload(daemons, tmp_path):
    conf = tmp_path / "policytrackd.env"
    write(conf, "POLICYTRACK_LOG_LEVEL=info\n")
    d = daemons.start("--config-file", str(conf), log_level="info")
    write(conf, "POLICYTRACK_LOG_LEVEL=error\n")
    rec = hangup(d, 0)
    assert rec["applied"] == [] and rec["log_level"] == "info", "the flag still says info"
    assert healthz_logged(d)


def test_a_file_that_does_not_load_changes_nothing(daemons, tmp_path):
    conf = tmp_path / "policytrackd.env"
    write(conf, "POLICYTRACK_LOG_LEVEL=info\n")
    d = daemons.start("--config-file", str(conf), log_level=None)
    write(conf, "POLICYTRACK_LOG_LEVEL=warn\nPOLICYTRACK_LOGLEVEL=debug\n")
    err = hangup(d, 0, msg="configuration not reloaded")
    assert err["level"] == "error" and f"{conf}:2" in err["detail"] and "POLICYTRACK_LOGLEVEL" in err["detail"]
    assert healthz_logged(d), "still info"
    os.unlink(conf)
    err = hangup(d, 1, msg="configuration not reloaded")
    assert str(conf) in err["detail"]
    assert d.get("/healthz").status == 200


def test_a_bad_file_at_start_exits_2(tmp_path):
    conf = tmp_path / "policytrackd.env"
    write(conf, "POLICYTRACK_POOL_SIZE=many\n")
    cp = ptutil.run_daemon_once(["--config-file", str(conf), "--listen", "127.0.0.1:0"])
    assert cp.returncode == 2 and f"{conf}:1" in cp.stderr and "--pool-size" in cp.stderr, cp.stderr
    cp = ptutil.run_daemon_once(["--listen", "127.0.0.1:0"],
                                env={"POLICYTRACK_CONFIG_FILE": str(tmp_path / "missing.env")})
    assert cp.returncode == 2 and "missing.env" in cp.stderr, cp.stderr


def notify_socket(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(15)
    return s


def test_ready_is_notified_once_listening(daemons, tmp_path):
    path = str(tmp_path / "notify")
    sock = notify_socket(path)
    try:
        d = daemons.start("--ops-listen", "127.0.0.1:0", env={"NOTIFY_SOCKET": path}, wait=False)
        msg = sock.recv(4096).decode()
        assert msg == "READY=1"
        # READY comes after both ports are bound: the log line naming them was written first.
        d.wait_listening(2)
        ops = d.wait_for_log(lambda r: r.get("msg") == "listening")["ops_url"]
        assert d.get("/healthz").status == 200
        ops_port = int(ops.rsplit(":", 1)[1])
        assert ptutil.http_request(ops_port, "GET", "/healthz").status == 200
        d.signal(signal.SIGTERM)
        assert sock.recv(4096).decode() == "STOPPING=1"
        assert d.wait(15) == 0
    finally:
        sock.close()


def test_ready_to_an_abstract_socket(daemons):
    name = f"policytrack-test-{os.getpid()}-{time.monotonic_ns()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    sock.settimeout(15)
    try:
        d = daemons.start(env={"NOTIFY_SOCKET": "@" + name})
        assert sock.recv(4096).decode() == "READY=1"
        assert d.get("/healthz").status == 200
    finally:
        sock.close()


def test_an_unreachable_notify_socket_is_logged_not_fatal(daemons, tmp_path):
    d = daemons.start(env={"NOTIFY_SOCKET": str(tmp_path / "nobody")})
    rec = d.wait_for_log(lambda r: r.get("msg") == "notify failed")
    assert rec and rec["level"] == "warn"
    assert d.get("/healthz").status == 200

"""policytrackd configuration: flags, environment variables, --help,
--version, --print-routes."""

import re
import socket

import pytest

import ptutil

FLAGS = ["listen", "database-url", "pool-size", "queue-size", "acquire-timeout-ms", "query-timeout-ms",
         "reconnect-max-ms", "log-level", "max-body-bytes", "max-header-bytes", "read-timeout-ms",
         "idle-timeout-s", "max-connections", "shutdown-timeout-ms", "print-routes", "version"]

BAD_VALUES = [
    ("pool-size", "abc"), ("pool-size", "-1"), ("pool-size", "0"), ("pool-size", "8x"), ("pool-size", ""),
    ("queue-size", "many"), ("queue-size", "-3"),
    ("acquire-timeout-ms", "soon"), ("acquire-timeout-ms", "-1"),
    ("query-timeout-ms", "1.5"), ("query-timeout-ms", "-5"),
    ("reconnect-max-ms", "x"),
    ("log-level", "loud"), ("log-level", ""),
    ("max-body-bytes", "1MB"), ("max-body-bytes", "-1"),
    ("max-header-bytes", "big"),
    ("read-timeout-ms", "abc"), ("read-timeout-ms", "-1"),
    ("idle-timeout-s", "forever"),
    ("max-connections", "abc"), ("max-connections", "-1"), ("max-connections", "99999999999999999999999"),
    ("shutdown-timeout-ms", "abc"),
    ("listen", "notaport"), ("listen", "127.0.0.1:99999"), ("listen", "127.0.0.1:abc"), ("listen", "127.0.0.1:-1"),
    ("listen", ""),
    ("database-url", "host=x bogus"), ("database-url", "postgresql://%zz"),
]


def env_name(flag):
    return "POLICYTRACK_" + flag.upper().replace("-", "_")


def names_flag(text, flag):
    return flag in text or env_name(flag) in text


@pytest.mark.parametrize("flag,value", BAD_VALUES, ids=[f"{f}={v!r}" for f, v in BAD_VALUES])
def test_bad_flag_value_exits_2(flag, value):
    cp = ptutil.run_daemon_once(["--listen", "127.0.0.1:0", f"--{flag}", value] if flag != "listen"
                                else [f"--{flag}", value])
    assert cp.returncode == 2, f"--{flag} {value!r}: exit {cp.returncode}\n{cp.stderr}"
    assert names_flag(cp.stderr, flag), f"--{flag} {value!r}: stderr does not name the flag:\n{cp.stderr}"


@pytest.mark.parametrize("flag,value", [("pool-size", "abc"), ("max-connections", "-1"), ("log-level", "loud"),
                                        ("listen", "nope")])
def test_bad_env_value_exits_2(flag, value):
    env = {env_name(flag): value}
    args = [] if flag == "listen" else ["--listen", "127.0.0.1:0"]
    cp = ptutil.run_daemon_once(args, env=env)
    assert cp.returncode == 2, f"{env_name(flag)}={value!r}: exit {cp.returncode}\n{cp.stderr}"
    assert names_flag(cp.stderr, flag), f"stderr does not name {flag}:\n{cp.stderr}"


def test_unknown_flag_exits_2():
    cp = ptutil.run_daemon_once(["--no-such-flag", "1"])
    assert cp.returncode == 2, cp
    assert "no-such-flag" in cp.stderr, cp.stderr


def test_missing_flag_value_exits_2():
    cp = ptutil.run_daemon_once(["--listen", "127.0.0.1:0", "--pool-size"])
    assert cp.returncode == 2, cp
    assert "pool-size" in cp.stderr, cp.stderr


def test_help_lists_every_flag():
    cp = ptutil.run_daemon_once(["--help"])
    assert cp.returncode == 0, cp
    for flag in FLAGS:
        assert f"--{flag}" in cp.stdout, f"--help does not mention --{flag}:\n{cp.stdout}"


def test_version():
    cp = ptutil.run_daemon_once(["--version"])
    assert cp.returncode == 0, cp
    assert cp.stdout.strip(), "--version printed nothing on stdout"


def test_print_routes_core():
    cp = ptutil.run_daemon_once(["--print-routes"])
    assert cp.returncode == 0, cp
    lines = cp.stdout.splitlines()
    for route in ("GET /healthz", "GET /readyz", "GET /metrics"):
        assert route in lines, f"--print-routes lacks {route!r}:\n{cp.stdout}"
    for line in lines:
        assert re.match(r"^[A-Z]+ /[^\s]*$", line), f"--print-routes line {line!r} is not `METHOD /path`"
    assert len(lines) == len(set(lines)), "--print-routes repeats a route"


def test_env_listen(daemons):
    port = ptutil.free_port()
    d = daemons.start(listen=None, env={"POLICYTRACK_LISTEN": f"127.0.0.1:{port}"})
    assert d.port == port, f"POLICYTRACK_LISTEN=127.0.0.1:{port} ignored: listening on {d.url}"
    assert d.get("/healthz").status == 200


def test_flag_overrides_env(daemons):
    env_port = ptutil.free_port()
    d = daemons.start(env={"POLICYTRACK_LISTEN": f"127.0.0.1:{env_port}"})
    assert d.port != env_port, "the environment won over --listen"
    assert d.get("/healthz").status == 200


def test_flag_overrides_a_bad_env_value(daemons):
    """Flags win: a bad value left in the environment, which a flag
    overrides, does not stop the daemon (issue 21)."""
    # DaemonSet.start gives --listen and --log-level too.
    d = daemons.start("--pool-size", "3",
                      env={"POLICYTRACK_POOL_SIZE": "abc", "POLICYTRACK_LOG_LEVEL": "loud",
                           "POLICYTRACK_LISTEN": "nope"})
    assert d.get("/healthz").status == 200


def test_env_max_body_bytes(daemons):
    d = daemons.start(env={"POLICYTRACK_MAX_BODY_BYTES": "100"})
    resp, _ = ptutil.raw_exchange(d.port, b"POST /nope HTTP/1.1\r\nHost: t\r\nContent-Length: 101\r\n\r\n")
    ptutil.assert_problem(resp, 413)
    with d.raw() as c:
        c.send(b"POST /nope HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n" + b"a" * 100)
        ptutil.assert_problem(c.read_response(), 404)


def test_ephemeral_port(daemons):
    d = daemons.start()
    assert d.port and d.port != 8080
    assert d.get("/healthz").status == 200


def test_listen_port_in_use_fails_fast():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        cp = ptutil.run_daemon_once(["--listen", f"127.0.0.1:{port}"], timeout=10)
    assert cp.returncode != 0, "policytrackd started on a port already in use"
    assert cp.stderr.strip(), "no message for a port already in use"

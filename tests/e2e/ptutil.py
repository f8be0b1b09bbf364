"""Helpers for the end-to-end tests: the daemon and CLI under test, raw HTTP,
psql, throwaway databases and clusters, Prometheus text.

Only the standard library: the suite runs on Debian's python3 with
python3-pytest and python3-yaml and nothing else.
"""

import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

# --------------------------------------------------------------------------
# Environment

ROOT = Path(os.environ.get("POLICYTRACK_ROOT") or Path(__file__).resolve().parents[2])
BUILD_DIR = Path(os.environ.get("POLICYTRACK_BUILD_DIR") or ROOT / "build")
DAEMON = BUILD_DIR / "policytrackd"
CLI = BUILD_DIR / "policytrack"
PGBIN = Path(os.environ.get("PGBIN") or "/usr/lib/postgresql/15/bin")
SCRIPTS_PG = ROOT / "scripts" / "pg"

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")

# Variables a test passes on purpose; everything else named POLICYTRACK_* is
# removed from the environment of the programs under test so that a setting
# exported by the developer's shell cannot change what a test sees.
_PROGRAM_ENV_PREFIX = "POLICYTRACK_"


def require_env(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"environment variable {name} is not set: run the suite through scripts/test "
                    f"(or export it yourself)", pytrace=False)
    return value


def app_db_url():
    return require_env("POLICYTRACK_TEST_DATABASE_URL")


def migrate_db_url():
    return require_env("POLICYTRACK_TEST_MIGRATE_DATABASE_URL")


def admin_db_url():
    return require_env("POLICYTRACK_TEST_ADMIN_URL")


def promtool_path():
    path = os.environ.get("PROMTOOL") or shutil.which("promtool")
    if not path:
        pytest.skip("PROMTOOL is not set and promtool is not on PATH")
    return path


def psql_path():
    candidate = PGBIN / "psql"
    return str(candidate) if candidate.exists() else "psql"


def require_binary(path):
    if not Path(path).is_file() or not os.access(path, os.X_OK):
        pytest.fail(f"{path} does not exist or is not executable (POLICYTRACK_BUILD_DIR={BUILD_DIR})",
                    pytrace=False)
    return str(path)


def program_env(overrides=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(_PROGRAM_ENV_PREFIX)}
    for k, v in (overrides or {}).items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = str(v)
    return env


def sanitizer_excerpt(text):
    """The first sanitizer report in text, or None."""
    for marker in SANITIZER_MARKERS:
        i = text.find(marker)
        if i >= 0:
            start = max(0, text.rfind("\n", 0, max(0, i - 200)))
            return text[start:i + 3000]
    return None


def tail(text, lines=40):
    return "\n".join(text.splitlines()[-lines:])


# --------------------------------------------------------------------------
# Running the CLI


def run_cli(args, env=None, timeout=60, expect_rc=None, input=None):
    """Runs `policytrack ARGS` (with input on stdin, if given); fails the test on
    sanitizer output, or when expect_rc is given and differs."""
    cmd = [require_binary(CLI), *args]
    try:
        cp = subprocess.run(cmd, env=program_env(env), input=input,
                            stdin=None if input is not None else subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"{' '.join(cmd)} did not finish within {timeout}s\nstderr:\n{e.stderr}")
    report = sanitizer_excerpt(cp.stderr)
    if report:
        pytest.fail(f"sanitizer report from {' '.join(cmd)}:\n{report}")
    if expect_rc is not None and cp.returncode != expect_rc:
        pytest.fail(f"{' '.join(args)} exited {cp.returncode}, expected {expect_rc}\n"
                    f"stdout:\n{tail(cp.stdout)}\nstderr:\n{tail(cp.stderr)}")
    return cp


# Three of the four classes (lower, upper, other): the default --password-min-classes.
PASSWORD = "Correct horse battery staple"


def make_user(db_url, role, agency=None, province=None, username=None, password=PASSWORD):
    """Creates a user through the CLI; returns its (unique) username."""
    username = username or f"{role}-{secrets.token_hex(4)}"
    args = ["user", "add", username, "--role", role, "--password-stdin", "--database-url", db_url]
    if agency:
        args += ["--agency", agency]
    if province:
        args += ["--province", province]
    run_cli(args, input=password + "\n", expect_rc=0)
    return username


def callers(db_url, specs):
    """One signed-in user per spec: {name: (role, agency, province)} ->
    {name: ((role, agency, province), bearer headers)}."""
    out = {}
    for name, (role, agency, province) in specs.items():
        user = make_user(db_url, role, agency=agency, province=province)
        out[name] = ((role, agency, province), bearer(issue_token(db_url, user)))
    return out


def issue_token(db_url, username, ttl="1h"):
    """A fresh automation token for username, through the CLI."""
    return run_cli(["token", "issue", username, "--ttl", ttl, "--database-url", db_url],
                   expect_rc=0).stdout.strip()


def wait_sealed(d, timeout=5.0):
    """Until the sequencer has sealed every committed event of d's database:
    the change feed lists an event once sealed (migration 0031), a moment
    after its commit."""
    url = d.args[d.args.index("--database-url") + 1]
    deadline = time.monotonic() + timeout
    while psql_value(url, "SELECT count(*) FROM events_unsealed") != "0":
        assert time.monotonic() < deadline, "events were not sealed in time"
        time.sleep(0.02)


def event_feed(d, headers):
    """The whole change feed, page by page (the notice's import alone writes
    208 events, so one page is not all of it), once every event is sealed."""
    wait_sealed(d)
    items, page = [], d.get("/api/v1/events?limit=200", headers=headers).json()
    while True:
        items += page["items"]
        if not page["next"]:
            return items
        page = d.get(page["next"], headers=headers).json()


def loopback_address():
    """A random address of 127.0.0.0/8 other than 127.0.0.1: a client of its own."""
    return "127.%d.%d.%d" % (secrets.randbelow(254) + 1, secrets.randbelow(256), secrets.randbelow(254) + 1)


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def run_daemon_once(args, env=None, timeout=10):
    """Runs policytrackd for a flag check that must exit by itself."""
    cmd = [require_binary(DAEMON), *args]
    try:
        cp = subprocess.run(cmd, env=program_env(env), stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"{' '.join(cmd)} did not exit within {timeout}s (did it start serving?)\n"
                    f"stderr:\n{e.stderr}")
    report = sanitizer_excerpt(cp.stderr)
    if report:
        pytest.fail(f"sanitizer report from {' '.join(cmd)}:\n{report}")
    return cp


def migrate(url, *extra, env=None, expect_rc=0, timeout=60):
    return run_cli(["migrate", *extra, "--database-url", url], env=env, expect_rc=expect_rc,
                   timeout=timeout)


def parse_status(stdout):
    """`migrate --status` lines -> list of (version:int, name, state); the
    lines about repeatable definitions (`definition NAME STATE`) are skipped."""
    rows = []
    for line in stdout.splitlines():
        if not line.strip() or line.startswith("definition "):
            continue
        parts = line.split()
        assert len(parts) == 3, f"--status line is not `VERSION NAME applied|pending`: {line!r}"
        version, name, state = parts
        assert version.isdigit(), f"--status line has a non-numeric version: {line!r}"
        assert state in ("applied", "pending"), f"--status line has state {state!r}: {line!r}"
        rows.append((int(version), name, state))
    return rows


# --------------------------------------------------------------------------
# libpq conninfo strings (keyword/value or URI)

_KV_RE = re.compile(r"\s*([A-Za-z_]+)\s*=\s*('(?:[^'\\]|\\.)*'|(?:[^\s'\\]|\\.)*)")


def _kv_parse(conninfo):
    pairs = []
    pos = 0
    while pos < len(conninfo):
        if conninfo[pos:].strip() == "":
            break
        m = _KV_RE.match(conninfo, pos)
        if not m:
            raise ValueError(f"cannot parse conninfo {conninfo!r}")
        key, raw = m.group(1), m.group(2)
        if raw.startswith("'"):
            raw = raw[1:-1]
        value = re.sub(r"\\(.)", r"\1", raw)
        pairs.append((key, value))
        pos = m.end()
    return pairs


def _kv_quote(value):
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _is_uri(conninfo):
    return conninfo.startswith(("postgresql://", "postgres://"))


def conninfo_get(conninfo, key):
    if _is_uri(conninfo):
        u = urllib.parse.urlsplit(conninfo)
        q = dict(urllib.parse.parse_qsl(u.query))
        if key in q:
            return q[key]
        if key == "user":
            return urllib.parse.unquote(u.username) if u.username else None
        if key == "dbname":
            return urllib.parse.unquote(u.path.lstrip("/")) or None
        return None
    value = None
    for k, v in _kv_parse(conninfo):
        if k == key:
            value = v
    return value


def conninfo_with(conninfo, **changes):
    """conninfo with keywords replaced (e.g. dbname=...)."""
    if _is_uri(conninfo):
        u = urllib.parse.urlsplit(conninfo)
        q = urllib.parse.parse_qsl(u.query)
        path = u.path
        for key, value in changes.items():
            if key == "dbname":
                path = "/" + urllib.parse.quote(value)
                q = [(k, v) for k, v in q if k != "dbname"]
            else:
                q = [(k, v) for k, v in q if k != key] + [(key, value)]
        return urllib.parse.urlunsplit((u.scheme, u.netloc, path, urllib.parse.urlencode(q), u.fragment))
    pairs = [(k, v) for k, v in _kv_parse(conninfo) if k not in changes]
    pairs += list(changes.items())
    return " ".join(f"{k}={_kv_quote(v)}" for k, v in pairs)


# --------------------------------------------------------------------------
# psql


# psql's sessions count days as the daemon's do by default (--time-zone), so
# that a test's current_date is the day the daemon's answers mean.
PSQL_TIME_ZONE = "Asia/Shanghai"


def psql(url, sql, timeout=30, check=True, verbose_errors=False):
    """Runs sql through psql (unaligned, tuples only); returns CompletedProcess."""
    script = ("\\set VERBOSITY verbose\n" if verbose_errors else "") + sql
    env = dict(os.environ, PGCONNECT_TIMEOUT="5", PGTZ=PSQL_TIME_ZONE)
    cp = subprocess.run([psql_path(), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", "-"],
                        input=script, capture_output=True, text=True, timeout=timeout, env=env)
    if check and cp.returncode != 0:
        pytest.fail(f"psql failed ({cp.returncode}) running:\n{sql}\nstderr:\n{cp.stderr}")
    return cp


def psql_value(url, sql, timeout=30):
    return psql(url, sql, timeout=timeout).stdout.strip()


class LockHolder:
    """Holds `LOCK TABLE <table> IN ACCESS EXCLUSIVE MODE` in an open psql
    transaction until release() (or exit)."""

    def __init__(self, url, table="schema_migrations"):
        self.url = url
        self.table = table
        self.proc = None

    def __enter__(self):
        env = dict(os.environ, PGCONNECT_TIMEOUT="5", PGTZ=PSQL_TIME_ZONE)
        self.proc = subprocess.Popen(
            [psql_path(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.url],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        self.proc.stdin.write(f"BEGIN;\nLOCK TABLE {self.table} IN ACCESS EXCLUSIVE MODE;\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"psql holding the lock exited early: {self.proc.stderr.read()}")
            if self._count(granted=True) > 0:
                return self
            time.sleep(0.05)
        pytest.fail(f"could not take the lock on {self.table} within 10 s")

    def _count(self, granted, application_name=None):
        """Locks on the table held by other sessions (granted) or awaited;
        only this database's (pg_locks shows the whole cluster's, and a
        relation's OID may name another table in another database), and
        only sessions of application_name, if given."""
        if granted:
            cond = "l.granted AND l.mode = 'AccessExclusiveLock'"
        else:
            cond = "NOT l.granted"
        if application_name:
            cond += f" AND a.application_name = '{application_name}'"
        return int(psql_value(self.url, f"""
            SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND c.relname = '{self.table}' AND {cond} AND l.pid <> pg_backend_pid()""") or 0)

    def wait_for_waiter(self, timeout=5.0, application_name=None, count=1):
        """True once count other sessions (of application_name, if given) wait for the lock."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._count(granted=False, application_name=application_name) >= count:
                return True
            time.sleep(0.05)
        return False

    def release(self):
        if self.proc is None:
            return
        try:
            if self.proc.poll() is None:
                self.proc.stdin.write("COMMIT;\n")
                self.proc.stdin.close()
                self.proc.wait(timeout=10)
        except (BrokenPipeError, subprocess.TimeoutExpired, OSError):
            pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=10)
            self.proc = None

    def __exit__(self, *exc):
        self.release()
        return False


def gen_data(owner_url, tasks, events, timeout=300):
    """Fills a migrated database with bench/gen-data's synthetic, labelled tasks and events."""
    gen = subprocess.run([str(ROOT / "bench" / "gen-data"), "--db", owner_url, "--tasks", str(tasks),
                          "--events", str(events)], capture_output=True, text=True, timeout=timeout)
    assert gen.returncode == 0, gen.stderr


@contextlib.contextmanager
def fresh_database(template=None):
    """A new empty database on the test server (a copy of the database named
    template, if given), owned by the migration role, with CONNECT granted to
    the app role; dropped afterwards. Yields an object with name, owner_url,
    app_url."""
    admin = admin_db_url()
    owner_url_base = migrate_db_url()
    app_url_base = app_db_url()
    owner = conninfo_get(owner_url_base, "user") or "policytrack"
    app = conninfo_get(app_url_base, "user") or "policytrack_app"
    name = "pt_e2e_" + secrets.token_hex(5)
    copy = f" TEMPLATE {template}" if template else ""
    psql(admin, f'CREATE DATABASE {name}{copy} OWNER "{owner}";\n'
                f'GRANT CONNECT ON DATABASE {name} TO "{app}";\n')

    class Db:
        pass

    db = Db()
    db.name = name
    db.owner_url = conninfo_with(owner_url_base, dbname=name)
    db.app_url = conninfo_with(app_url_base, dbname=name)
    try:
        yield db
    finally:
        psql(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE);\n", check=False)


# --------------------------------------------------------------------------
# A throwaway PostgreSQL cluster through scripts/pg


class PgCluster:
    """A cluster of its own under /tmp; throwaway (fsync off) unless durable=True,
    which gives the settings scripts/run's cluster has."""

    def __init__(self, durable=False):
        if not SCRIPTS_PG.exists():
            pytest.fail(f"{SCRIPTS_PG} does not exist", pytrace=False)
        self.root = tempfile.mkdtemp(prefix="pt-pg-", dir="/tmp")
        if os.geteuid() == 0:
            shutil.chown(self.root, user="postgres", group="postgres")
        self.env = dict(os.environ, PT_PGROOT=self.root, PT_PG_THROWAWAY="0" if durable else "1")
        self.env.pop("PT_PG_CLUSTER", None)

    def run(self, *args, timeout=90, check=True):
        cp = subprocess.run([str(SCRIPTS_PG), *args], env=self.env, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=timeout)
        if check and cp.returncode != 0:
            pytest.fail(f"scripts/pg {' '.join(args)} exited {cp.returncode}\n"
                        f"stdout:\n{cp.stdout}\nstderr:\n{cp.stderr}")
        return cp

    def init(self):
        self.run("init")

    def start(self):
        self.run("start")

    def stop(self):
        self.run("stop")

    def url(self, role, db):
        return self.run("url", role, db).stdout.strip()

    def destroy(self):
        try:
            self.run("stop", check=False, timeout=60)
        except subprocess.TimeoutExpired:
            pass
        shutil.rmtree(self.root, ignore_errors=True)


# --------------------------------------------------------------------------
# HTTP


class Response:
    def __init__(self, status, reason, headers, body, elapsed=None, version="HTTP/1.1"):
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value)
        self.body = body
        self.elapsed = elapsed
        self.version = version

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def media_type(self):
        ct = self.header("Content-Type") or ""
        return ct.split(";")[0].strip().lower()

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise AssertionError(f"body is not JSON ({e}): {self.body[:500]!r}") from None

    def __repr__(self):
        return f"<Response {self.status} {self.headers} {self.body[:300]!r}>"


def http_request(port, method, path, headers=None, body=None, timeout=5.0, host="127.0.0.1", source=None):
    """One request on a new connection; source is the client's own address
    (any of 127.0.0.0/8 reaches a daemon on 127.0.0.1, so tests can play
    clients at different addresses)."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout,
                                      source_address=(source, 0) if source else None)
    t0 = time.monotonic()
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        elapsed = time.monotonic() - t0
        return Response(r.status, r.reason, r.getheaders(), data, elapsed)
    finally:
        conn.close()


class Closed(Exception):
    """The peer closed the connection before a whole response arrived."""


class RawClient:
    """A raw TCP client that reads HTTP/1.1 responses itself."""

    def __init__(self, port, host="127.0.0.1", timeout=5.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.eof = False
        self.reset = False

    def send(self, data):
        """Sends data; False if the peer had already closed or reset."""
        try:
            self.sock.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError):
            return False

    def readable(self, timeout):
        import select
        if self.buf or self.eof:
            return True
        r, _, _ = select.select([self.sock], [], [], timeout)
        return bool(r)

    def _fill(self, deadline):
        if self.eof:
            raise Closed()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("timed out waiting for the server")
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError("timed out waiting for the server") from None
        except ConnectionResetError:
            self.eof = True
            self.reset = True
            raise Closed() from None
        if not data:
            self.eof = True
            raise Closed()
        self.buf += data

    def read_response(self, method="GET", timeout=5.0):
        """One response. Raises Closed if the connection ends before a
        complete response, TimeoutError if it does not come in time."""
        deadline = time.monotonic() + timeout
        t0 = time.monotonic()
        while True:
            while b"\r\n\r\n" not in self.buf:
                self._fill(deadline)
            head, rest = self.buf.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            m = re.match(r"(HTTP/\d\.\d) (\d{3})(?: (.*))?$", lines[0])
            if not m:
                raise AssertionError(f"bad status line {lines[0]!r}")
            version, status, reason = m.group(1), int(m.group(2)), m.group(3) or ""
            headers = []
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers.append((name.strip(), value.strip()))
            self.buf = rest
            if 100 <= status < 200:
                continue
            break
        resp = Response(status, reason, headers, b"", version=version)
        te = (resp.header("Transfer-Encoding") or "").lower()
        cl = resp.header("Content-Length")
        if method == "HEAD" or status in (204, 304):
            pass
        elif "chunked" in te:
            body = b""
            while True:
                while b"\r\n" not in self.buf:
                    self._fill(deadline)
                size_line, self.buf = self.buf.split(b"\r\n", 1)
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    while b"\r\n" not in self.buf:
                        self._fill(deadline)
                    # skip trailers up to the empty line
                    while not self.buf.startswith(b"\r\n"):
                        while b"\r\n" not in self.buf:
                            self._fill(deadline)
                        _, self.buf = self.buf.split(b"\r\n", 1)
                    self.buf = self.buf[2:]
                    break
                while len(self.buf) < size + 2:
                    self._fill(deadline)
                body += self.buf[:size]
                self.buf = self.buf[size + 2:]
            resp.body = body
        elif cl is not None:
            n = int(cl)
            while len(self.buf) < n:
                self._fill(deadline)
            resp.body, self.buf = self.buf[:n], self.buf[n:]
        else:
            try:
                while True:
                    self._fill(deadline)
            except Closed:
                pass
            resp.body, self.buf = self.buf, b""
        resp.elapsed = time.monotonic() - t0
        return resp

    def read_responses(self, methods, timeout=5.0):
        """As many responses as arrive (up to len(methods)) before the
        connection closes; stops at a timeout."""
        out = []
        deadline = time.monotonic() + timeout
        for method in methods:
            try:
                out.append(self.read_response(method, timeout=max(0.01, deadline - time.monotonic())))
            except (Closed, TimeoutError):
                break
        return out

    def wait_closed(self, timeout=3.0):
        """True if the peer closes (or resets) the connection within timeout;
        data that arrives meanwhile is kept in buf."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                self._fill(deadline)
        except Closed:
            return True
        except TimeoutError:
            return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def raw_exchange(port, data, method="GET", timeout=5.0):
    """Sends data on a new connection and reads one response; returns
    (response or None, closed_afterwards)."""
    with RawClient(port, timeout=timeout) as c:
        c.send(data)
        try:
            resp = c.read_response(method, timeout=timeout)
        except Closed:
            return None, True
        return resp, c.wait_closed(timeout=3.0)


PROBLEM_TYPE_RE = re.compile(r"^urn:policytrack:problem:[a-z0-9][a-z0-9-]*$")


def assert_problem(resp, status, request_id=None):
    """resp is an RFC 9457 problem with this status; returns its JSON."""
    assert resp is not None, f"expected a {status} problem, got no response (connection closed)"
    assert resp.status == status, f"expected status {status}, got {resp.status}: {resp!r}"
    assert resp.media_type == "application/problem+json", \
        f"Content-Type is {resp.header('Content-Type')!r}, not application/problem+json: {resp!r}"
    body = resp.json()
    assert isinstance(body, dict), body
    for field in ("type", "title", "status", "detail", "request_id"):
        assert field in body, f"problem lacks {field!r}: {body}"
    assert isinstance(body["type"], str) and PROBLEM_TYPE_RE.match(body["type"]), \
        f"problem type {body['type']!r} is not urn:policytrack:problem:<slug>"
    assert isinstance(body["title"], str) and body["title"], f"empty title: {body}"
    assert isinstance(body["detail"], str), f"detail is not a string: {body}"
    assert body["status"] == status and type(body["status"]) is int, \
        f"problem status {body['status']!r} differs from HTTP status {status}"
    assert isinstance(body["request_id"], str) and body["request_id"], f"bad request_id: {body}"
    if request_id is not None:
        assert body["request_id"] == request_id, \
            f"problem request_id {body['request_id']!r} is not the X-Request-Id sent ({request_id!r})"
    header_id = resp.header("X-Request-Id")
    if header_id is not None:
        assert header_id == body["request_id"], \
            f"X-Request-Id header {header_id!r} differs from the problem's request_id {body['request_id']!r}"
    return body


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def connect_outcome(port, timeout=2.0):
    """What a new connection to port gets: 'refused', 'closed' (accepted then
    closed or reset without a response), 'timeout', or a Response."""
    try:
        c = RawClient(port, timeout=timeout)
    except ConnectionRefusedError:
        return "refused"
    except socket.timeout:
        return "timeout"
    with c:
        if not c.send(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"):
            return "closed"
        try:
            return c.read_response("GET", timeout=timeout)
        except Closed:
            return "closed"
        except TimeoutError:
            return "timeout"


# --------------------------------------------------------------------------
# Prometheus text format

_SAMPLE_RE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$")
_LABEL_RE = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?')


def parse_metrics(text):
    """-> (types: {family: type}, samples: [(name, {label: value}, float)])"""
    types = {}
    samples = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 4 and parts[1] == "TYPE":
                types[parts[2]] = parts[3].strip()
            continue
        m = _SAMPLE_RE.match(line)
        assert m, f"unparsable metrics line: {line!r}"
        name, labels_text, value = m.group(1), m.group(2) or "", m.group(3)
        labels = {}
        pos = 0
        while pos < len(labels_text):
            lm = _LABEL_RE.match(labels_text, pos)
            assert lm, f"unparsable labels in {line!r}"
            labels[lm.group(1)] = lm.group(2)
            pos = lm.end()
        samples.append((name, labels, float(value)))
    return types, samples


def metric_sum(samples, name, **labels):
    return sum(v for n, ls, v in samples if n == name and all(ls.get(k) == w for k, w in labels.items()))


# --------------------------------------------------------------------------
# The daemon


LISTENING_URL_RE = re.compile(r"^http://127\.0\.0\.1:(\d+)$")


class Daemon:
    def __init__(self, args, env=None, name="policytrackd"):
        self.args = [require_binary(DAEMON), *args]
        self.env = program_env(env)
        self.name = name
        self.stderr_lines = []
        self.stdout_lines = []
        self.lock = threading.Lock()
        self.listening = threading.Event()
        self.url = None
        self.port = None
        self.proc = None
        self.threads = []
        self.expect_exit_rc = 0

    # -- life cycle
    def start(self, wait=True, timeout=10.0):
        self.proc = subprocess.Popen(self.args, env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for stream, sink, watch in ((self.proc.stderr, self.stderr_lines, True),
                                    (self.proc.stdout, self.stdout_lines, False)):
            t = threading.Thread(target=self._reader, args=(stream, sink, watch), daemon=True)
            t.start()
            self.threads.append(t)
        if wait:
            self.wait_listening(timeout)
        return self

    def _reader(self, stream, sink, watch):
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self.lock:
                sink.append(line)
            if watch and not self.listening.is_set():
                obj = _json_or_none(line)
                if obj and obj.get("msg") == "listening":
                    m = LISTENING_URL_RE.match(str(obj.get("url", "")))
                    if m:
                        self.url = obj["url"]
                        self.port = int(m.group(1))
                        self.listening.set()
        stream.close()

    def wait_listening(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.listening.wait(0.05):
                return
            if self.proc.poll() is not None:
                for t in self.threads:
                    t.join(2)
                pytest.fail(f"policytrackd exited with {self.proc.returncode} before listening\n"
                            f"command: {' '.join(self.args)}\nstderr:\n{tail(self.stderr_text())}")
        pytest.fail(f"policytrackd logged no {{\"msg\":\"listening\",\"url\":\"http://127.0.0.1:PORT\"}} "
                    f"line within {timeout}s\nstderr:\n{tail(self.stderr_text())}")

    @property
    def pid(self):
        return self.proc.pid

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout):
        """Exit status, or None if still running after timeout."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def finish(self, stop_timeout=15.0):
        """Stops the daemon if needed; returns a list of problems (non-zero
        exit, sanitizer reports, failure to stop)."""
        problems = []
        if self.proc is None:
            return problems
        try:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=stop_timeout)
                except subprocess.TimeoutExpired:
                    problems.append(f"{self.name} did not exit within {stop_timeout}s of SIGTERM; killed")
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=10)
        for t in self.threads:
            t.join(5)
        rc = self.proc.returncode
        if not problems and self.expect_exit_rc is not None and rc != self.expect_exit_rc:
            problems.append(f"{self.name} exited with {rc} (expected {self.expect_exit_rc}); "
                            f"under ASan a non-zero exit is how a leak shows")
        report = sanitizer_excerpt(self.stderr_text())
        if report:
            problems.append(f"{self.name} printed a sanitizer report:\n{report}")
        if problems:
            problems.append(f"{self.name} stderr (tail):\n{tail(self.stderr_text())}")
        return problems

    # -- logs
    def stderr_text(self):
        with self.lock:
            return "\n".join(self.stderr_lines)

    def log_records(self):
        with self.lock:
            lines = list(self.stderr_lines)
        return [obj for obj in (_json_or_none(l) for l in lines) if obj is not None]

    def wait_for_log(self, pred, timeout=3.0):
        deadline = time.monotonic() + timeout
        while True:
            for rec in self.log_records():
                if pred(rec):
                    return rec
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.05)

    # -- HTTP
    def request(self, method, path, headers=None, body=None, timeout=5.0, source=None):
        return http_request(self.port, method, path, headers=headers, body=body, timeout=timeout,
                            source=source)

    def get(self, path, headers=None, timeout=5.0):
        return self.request("GET", path, headers=headers, timeout=timeout)

    def raw(self, timeout=5.0):
        return RawClient(self.port, timeout=timeout)

    def metrics(self):
        r = self.get("/metrics")
        assert r.status == 200, r
        return parse_metrics(r.body.decode("utf-8"))


def _json_or_none(line):
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) else None


class DaemonSet:
    """Starts daemons and, at the end, stops them and collects problems."""

    def __init__(self):
        self.daemons = []

    def start(self, *args, database_url="default", env=None, log_level="info", listen="127.0.0.1:0",
              wait=True):
        argv = []
        if listen is not None:
            argv += ["--listen", listen]
        if database_url == "default":
            database_url = os.environ.get("POLICYTRACK_TEST_DATABASE_URL")
        if database_url:
            argv += ["--database-url", database_url]
        if log_level:
            argv += ["--log-level", log_level]
        argv += list(args)
        d = Daemon(argv, env=env)
        self.daemons.append(d)
        d.start(wait=wait)
        return d

    def finish(self):
        problems = []
        for d in self.daemons:
            problems += d.finish()
        self.daemons = []
        return problems


def metric_value(daemon, name, **labels):
    """The value of one sample of daemon's /metrics (None when absent)."""
    for n, ls, v in daemon.metrics()[1]:
        if n == name and all(ls.get(k) == val for k, val in labels.items()):
            return v
    return None


def wait_for(predicate, timeout=5.0, what="condition"):
    """Polls predicate until it holds; returns seconds waited, fails the test after timeout."""
    start = time.monotonic()
    while True:
        if predicate():
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            pytest.fail(f"{what} did not hold within {timeout}s")
        time.sleep(0.01)


def wait_change_feed_live(daemon, timeout=5.0):
    """Caches answer only while the daemon LISTENs for changes: wait for that."""
    wait_for(lambda: metric_value(daemon, "policytrack_change_feed_live") == 1, timeout,
             "the change feed going live")

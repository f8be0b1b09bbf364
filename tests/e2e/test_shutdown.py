"""Graceful shutdown on SIGTERM/SIGINT, and the query timeout.

A request is held in flight by locking schema_migrations (as its owner) in an
open psql transaction: /readyz then waits inside PostgreSQL, not in the
daemon."""

import signal
import time

import pytest

import ptutil

READYZ = b"GET /readyz HTTP/1.1\r\nHost: t\r\nX-Request-Id: inflight-1\r\n\r\n"


@pytest.fixture
def lock(migrated_db):
    return ptutil.LockHolder(ptutil.migrate_db_url(), "schema_migrations")


def start(daemons, migrated_db, *flags):
    d = daemons.start(*flags, database_url=migrated_db)
    r = d.get("/readyz")  # warm the pool
    assert r.status == 200, r
    return d


def send_blocked_readyz(d, lock):
    c = d.raw(timeout=10)
    c.send(READYZ)
    if not lock.wait_for_waiter(5):
        c.close()
        pytest.fail("GET /readyz never waited on the lock on schema_migrations; "
                    "does readyz read schema_migrations?")
    return c


def test_graceful_shutdown_finishes_in_flight_request(daemons, migrated_db, lock):
    # /readyz waits at most --acquire-timeout-ms: long enough to still be in flight here.
    d = start(daemons, migrated_db, "--shutdown-timeout-ms", "10000", "--query-timeout-ms", "8000",
              "--acquire-timeout-ms", "10000")
    with lock:
        c = send_blocked_readyz(d, lock)
        d.signal(signal.SIGTERM)
        time.sleep(0.5)
        assert d.running(), f"the daemon exited with {d.proc.returncode} with a request in flight"
        outcome = ptutil.connect_outcome(d.port, timeout=2)
        assert outcome in ("refused", "closed") or (isinstance(outcome, ptutil.Response) and
                                                    outcome.status == 503), \
            f"a new connection after SIGTERM got {outcome!r}, expected refused"
        assert not c.readable(0), "the in-flight request was answered before the lock was released"
        lock.release()
        with c:
            try:
                r = c.read_response(timeout=5)
            except ptutil.Closed:
                pytest.fail("the in-flight request was dropped by the shutdown")
    assert r.status == 200, r
    assert r.json().get("status") == "ready", r
    rc = d.wait(10)
    assert rc == 0, f"exit status {rc} after SIGTERM (None: still running)"


def test_sigint_exits_zero(daemons):
    d = daemons.start()
    assert d.get("/healthz").status == 200
    t0 = time.monotonic()
    d.signal(signal.SIGINT)
    rc = d.wait(5)
    assert rc == 0, f"exit status {rc} after SIGINT (None: still running after 5 s)"
    assert time.monotonic() - t0 < 3, "an idle daemon took over 3 s to stop"


def test_idle_keepalive_connection_does_not_delay_shutdown(daemons):
    d = daemons.start("--shutdown-timeout-ms", "10000")
    with d.raw() as c:
        c.send(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        assert c.read_response().status == 200
        t0 = time.monotonic()
        d.signal(signal.SIGTERM)
        rc = d.wait(8)
        took = time.monotonic() - t0
        assert rc == 0, f"exit status {rc} after SIGTERM (None: still running)"
        assert took < 3, f"an idle keep-alive connection held shutdown for {took:.1f}s"
        assert c.wait_closed(1), "the idle connection was not closed"


def test_query_timeout_answers_503(daemons, migrated_db, lock):
    d = start(daemons, migrated_db, "--query-timeout-ms", "1000")
    with lock:
        c = send_blocked_readyz(d, lock)
        with c:
            t0 = time.monotonic()
            try:
                r = c.read_response(timeout=6)
            except TimeoutError:
                pytest.fail("a query blocked past --query-timeout-ms 1000 got no answer within 6 s")
            took = time.monotonic() - t0
        body = ptutil.assert_problem(r, 503, request_id="inflight-1")
        assert r.header("Retry-After") is not None, "503 for database trouble without Retry-After"
        assert took < 2.5, f"the answer came {took:.2f}s after the request (query timeout 1 s)"
        assert body["detail"]
    # After the lock goes, the pool serves again.
    deadline = time.monotonic() + 5
    while True:
        r = d.get("/readyz")
        if r.status == 200:
            break
        assert time.monotonic() < deadline, f"/readyz not 200 within 5 s after a query timeout: {r!r}"
        time.sleep(0.2)


def test_shutdown_timeout_bounds_exit(daemons, migrated_db, lock):
    d = start(daemons, migrated_db, "--shutdown-timeout-ms", "1000", "--query-timeout-ms", "20000",
              "--acquire-timeout-ms", "10000")
    with lock:
        c = send_blocked_readyz(d, lock)
        with c:
            t0 = time.monotonic()
            d.signal(signal.SIGTERM)
            rc = d.wait(6)
            took = time.monotonic() - t0
            assert rc is not None, "the daemon was still running 6 s after SIGTERM (--shutdown-timeout-ms 1000)"
            assert took < 3, f"exit {took:.1f}s after SIGTERM with --shutdown-timeout-ms 1000"
            assert rc == 0, f"exit status {rc} after a shutdown that hit --shutdown-timeout-ms"
            # The in-flight client is not left hanging: an answer or a close.
            try:
                c.read_response(timeout=2)
            except ptutil.Closed:
                pass
            except TimeoutError:
                pytest.fail("the in-flight connection was left open after the daemon exited")

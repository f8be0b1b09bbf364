"""The PostgreSQL connection pool under load and back-pressure: queued
requests wait at most --acquire-timeout-ms, a full queue answers 503 at once,
and many concurrent requests are all served."""

import concurrent.futures
import time

import pytest

import ptutil

READYZ = b"GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n"


@pytest.fixture
def lock(migrated_db):
    # Not schema_migrations: /readyz has a deadline of its own (--acquire-timeout-ms),
    # so the request held on the lock is a plain read of the agencies.
    return ptutil.LockHolder(ptutil.migrate_db_url(), "agencies")


def agencies_request(migrated_db):
    token = ptutil.issue_token(migrated_db, ptutil.make_user(migrated_db, "observer"))
    return f"GET /api/v1/agencies HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {token}\r\n\r\n".encode()


def wait_metric(d, name, at_least, timeout=3.0):
    deadline = time.monotonic() + timeout
    while True:
        value = ptutil.metric_sum(d.metrics()[1], name)
        if value >= at_least or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def test_queue_and_acquire_timeout(daemons, migrated_db, lock):
    acquire_ms = 1500
    d = daemons.start("--pool-size", "1", "--queue-size", "1", "--acquire-timeout-ms", str(acquire_ms),
                      "--query-timeout-ms", "10000", database_url=migrated_db)
    assert d.get("/readyz").status == 200
    request = agencies_request(migrated_db)
    with d.raw() as warm:  # the token's identity is cached: the next ones need only the agencies
        warm.send(request)
        assert warm.read_response().status == 200
    with lock:
        holder = d.raw(timeout=10)  # takes the only connection, blocks on the lock
        holder.send(request)
        assert lock.wait_for_waiter(5), "GET /api/v1/agencies did not reach PostgreSQL"
        queued = d.raw(timeout=10)  # waits for the connection
        queued.send(request)
        t_queued = time.monotonic()
        waiting = wait_metric(d, "policytrack_db_pool_waiting", 1)
        assert waiting >= 1, f"policytrack_db_pool_waiting is {waiting} with a request queued"
        in_use = ptutil.metric_sum(d.metrics()[1], "policytrack_db_pool_connections", state="in_use")
        assert in_use == 1, f'policytrack_db_pool_connections{{state="in_use"}} is {in_use}'

        # The queue (size 1) is full: the next request is refused at once.
        r = d.get("/readyz", timeout=5)
        ptutil.assert_problem(r, 503)
        assert r.header("Retry-After") is not None, "503 for a full queue without Retry-After"
        assert r.elapsed < 0.5, f"a request over --queue-size waited {r.elapsed:.2f}s for its 503"

        # The queued one gives up after --acquire-timeout-ms.
        with queued:
            q = queued.read_response(timeout=acquire_ms / 1000 + 3)
        waited = time.monotonic() - t_queued
        ptutil.assert_problem(q, 503)
        assert q.header("Retry-After") is not None
        assert acquire_ms / 1000 - 0.2 <= waited <= acquire_ms / 1000 + 1.0, \
            f"queued request answered after {waited:.2f}s (--acquire-timeout-ms {acquire_ms})"
        assert d.get("/healthz").elapsed < 0.5
        lock.release()
        with holder:
            h = holder.read_response(timeout=5)
        assert h.status == 200, h
    assert d.get("/readyz").status == 200


def test_many_concurrent_requests_share_the_pool(daemons, migrated_db):
    d = daemons.start("--pool-size", "2", database_url=migrated_db)

    def one(_):
        return d.get("/readyz", timeout=10)

    with concurrent.futures.ThreadPoolExecutor(max_workers=40) as ex:
        answers = list(ex.map(one, range(200), timeout=30))
    statuses = sorted({r.status for r in answers})
    assert statuses == [200], f"statuses {statuses} for 200 concurrent /readyz with --pool-size 2"
    _, samples = d.metrics()
    assert ptutil.metric_sum(samples, "policytrack_db_pool_waiting") == 0
    total = ptutil.metric_sum(samples, "policytrack_db_pool_connections")
    assert 1 <= total <= 2, f"pool gauges add up to {total} with --pool-size 2"


def test_many_requests_on_one_connection(daemons):
    d = daemons.start()
    with d.raw() as c:
        for i in range(100):
            c.send(f"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Request-Id: ka-{i}\r\n\r\n".encode())
            r = c.read_response()
            assert r.status == 200 and r.header("X-Request-Id") == f"ka-{i}", r


def test_answers_after_a_round_trip_keep_their_order_and_close(daemons, migrated_db):
    """Answers made after a database round trip are written at once (not when
    the loop finds the socket writable): pipelined requests still get one
    whole answer each, in order, none twice, and `Connection: close` still
    closes after its answer."""
    d = daemons.start("--pool-size", "2", database_url=migrated_db)
    with d.raw() as c:
        for _ in range(20):
            c.send(b"".join(f"GET /readyz HTTP/1.1\r\nHost: t\r\nX-Request-Id: p-{i}\r\n\r\n".encode()
                            for i in range(3)))
            for i in range(3):
                r = c.read_response()
                assert r.status == 200 and r.header("X-Request-Id") == f"p-{i}", r
        assert not c.readable(0.2), f"bytes after the last answer: {c.buf!r}"
        c.send(b"GET /readyz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        r = c.read_response()
        assert r.status == 200, r
        assert c.wait_closed(), "the connection stayed open after Connection: close"
        assert c.buf == b"", f"bytes after the last answer: {c.buf!r}"

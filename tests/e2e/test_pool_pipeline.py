"""Reads sent behind another query on a busy connection (libpq's pipeline
mode, lib/pg/db.c): each query has a Sync of its own, so one that fails
fails alone; one still waiting behind keeps the acquire timeout; a client
that leaves mid-pipeline costs nothing; and every answer is the one the
query gives on its own, byte for byte.

The read held at PostgreSQL is GET /api/v1/periods, blocked on a lock of
its table, which the task list does not read (as test_pool.py does with the
agencies); the reads behind it are task lists (a route a replica may serve:
only reads, so they may be pipelined)."""

import concurrent.futures
import re
import time

import pytest

import ptutil


@pytest.fixture(scope="module")
def db():
    with ptutil.fresh_database() as fresh:
        ptutil.migrate(fresh.owner_url)
        yield fresh


@pytest.fixture(scope="module")
def token(db):
    return ptutil.issue_token(db.app_url, ptutil.make_user(db.app_url, "observer"))


@pytest.fixture
def lock(db):
    return ptutil.LockHolder(db.owner_url, "periods")


def request(path, token):
    return f"GET {path} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {token}\r\n\r\n".encode()


def same(body):
    """A body without the request's own id (each request has its own)."""
    return re.sub(rb'"request_id":"[0-9a-f]+"', b'"request_id":""', body)


def wait_metric(d, name, value, timeout=3.0):
    deadline = time.monotonic() + timeout
    while True:
        got = ptutil.metric_sum(d.metrics()[1], name)
        if got == value or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


LISTS = ["/api/v1/tasks?limit=20", "/api/v1/tasks?limit=5&status=in_progress",
         "/api/v1/tasks?limit=20&status=bogus", "/api/v1/tasks?limit=3&agency=nope",
         "/api/v1/tasks?limit=50&overdue=true"]


def serial_answers(d, token):
    """Each list's answer on its own; the held read runs once first (only
    statements that have run are taken for quick enough to wait behind)."""
    with d.raw() as c:
        c.send(request("/api/v1/periods", token))
        assert c.read_response().status == 200
    out = {}
    for path in LISTS:
        with d.raw() as c:
            c.send(request(path, token))
            r = c.read_response()
        out[path] = (r.status, same(r.body))
    assert {s for s, _ in out.values()} == {200, 400}, out
    return out


def hold_the_connection(d, token, lock):
    """A GET /api/v1/periods that holds the pool's only connection at the lock."""
    holder = d.raw(timeout=15)
    holder.send(request("/api/v1/periods", token))
    assert lock.wait_for_waiter(5), "GET /api/v1/periods did not reach PostgreSQL"
    return holder


def test_a_failing_query_fails_alone(daemons, db, token, lock):
    d = daemons.start("--pool-size", "1", "--query-timeout-ms", "1000", "--acquire-timeout-ms", "8000",
                      database_url=db.app_url)
    expected = serial_answers(d, token)
    with lock:
        holder = hold_the_connection(d, token, lock)
        behind = [d.raw(timeout=15) for _ in LISTS]
        for c, path in zip(behind, LISTS):
            c.send(request(path, token))
        # One list went behind the held query on its connection; the rest wait in the queue.
        assert wait_metric(d, "policytrack_db_pool_waiting", len(LISTS) - 1) == len(LISTS) - 1
        with holder:
            h = holder.read_response(timeout=10)
        ptutil.assert_problem(h, 503)  # its statement_timeout
        for c, path in zip(behind, LISTS):
            with c:
                r = c.read_response(timeout=10)
            assert (r.status, same(r.body)) == expected[path], path
    assert d.get("/readyz").status == 200


def test_a_query_waiting_behind_keeps_the_acquire_timeout(daemons, db, token, lock):
    acquire_ms = 1500
    d = daemons.start("--pool-size", "1", "--query-timeout-ms", "10000", "--acquire-timeout-ms",
                      str(acquire_ms), database_url=db.app_url)
    expected = serial_answers(d, token)
    with lock:
        holder = hold_the_connection(d, token, lock)
        pipelined, queued = d.raw(timeout=10), d.raw(timeout=10)
        pipelined.send(request(LISTS[0], token))
        queued.send(request(LISTS[1], token))
        t0 = time.monotonic()
        assert wait_metric(d, "policytrack_db_pool_waiting", 1) == 1
        for c in (pipelined, queued):
            with c:
                r = c.read_response(timeout=acquire_ms / 1000 + 3)
            waited = time.monotonic() - t0
            ptutil.assert_problem(r, 503)
            assert r.header("Retry-After") is not None
            assert waited <= acquire_ms / 1000 + 1.0, f"answered after {waited:.2f}s"
        assert d.get("/healthz").elapsed < 0.5
        lock.release()
        with holder:
            assert holder.read_response(timeout=5).status == 200
    # The dropped answer of the one that waited behind does not reach anyone else.
    for path in LISTS:
        with d.raw() as c:
            c.send(request(path, token))
            r = c.read_response()
        assert (r.status, same(r.body)) == expected[path], path


def test_a_client_leaving_mid_pipeline(daemons, db, token, lock):
    d = daemons.start("--pool-size", "1", "--query-timeout-ms", "10000", database_url=db.app_url)
    expected = serial_answers(d, token)
    with lock:
        holder = hold_the_connection(d, token, lock)
        leaving = [d.raw(timeout=10) for _ in range(3)]
        for c in leaving:
            c.send(request(LISTS[0], token))
        staying = d.raw(timeout=10)
        staying.send(request(LISTS[1], token))
        assert wait_metric(d, "policytrack_db_pool_waiting", 3) == 3
        for c in leaving:
            c.close()
        time.sleep(0.2)
        lock.release()
        with holder:
            assert holder.read_response(timeout=5).status == 200
        with staying:
            r = staying.read_response(timeout=5)
        assert (r.status, same(r.body)) == expected[LISTS[1]]
    assert wait_metric(d, "policytrack_db_pool_waiting", 0) == 0
    assert d.get("/readyz").status == 200


def test_many_concurrent_lists_on_a_small_pool(daemons, db, token):
    d = daemons.start("--pool-size", "2", database_url=db.app_url)
    expected = serial_answers(d, token)
    paths = [LISTS[i % len(LISTS)] for i in range(300)]

    def one(path):
        r = d.get(path, headers={"Authorization": f"Bearer {token}"}, timeout=20)
        return path, r.status, same(r.body)

    with concurrent.futures.ThreadPoolExecutor(max_workers=32) as ex:
        answers = list(ex.map(one, paths, timeout=120))
    wrong = [(p, s) for p, s, b in answers if (s, b) != expected[p]]
    assert not wrong, f"{len(wrong)} of {len(answers)} answers differ from the serial ones: {wrong[:5]}"
    _, samples = d.metrics()
    assert ptutil.metric_sum(samples, "policytrack_db_pool_waiting") == 0


def test_the_connection_lost_mid_pipeline(daemons, db, token, lock):
    d = daemons.start("--pool-size", "1", "--query-timeout-ms", "10000", "--reconnect-max-ms", "300",
                      database_url=db.app_url)
    expected = serial_answers(d, token)
    with lock:
        holder = hold_the_connection(d, token, lock)
        pipelined, queued = d.raw(timeout=10), d.raw(timeout=10)
        pipelined.send(request(LISTS[0], token))
        queued.send(request(LISTS[1], token))
        assert wait_metric(d, "policytrack_db_pool_waiting", 1) == 1
        # As the daemon's role, which may end its own sessions.
        ptutil.psql(db.app_url, """SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'policytrackd'""")
        # Everything in flight and waiting is answered; the loop does not spin.
        for c in (holder, pipelined, queued):
            with c:
                ptutil.assert_problem(c.read_response(timeout=5), 503)
        assert d.get("/healthz").elapsed < 0.5
    deadline = time.monotonic() + 10
    while d.get("/readyz").status != 200:
        assert time.monotonic() < deadline, "the pool did not reconnect"
        time.sleep(0.1)
    for path in LISTS:
        with d.raw() as c:
            c.send(request(path, token))
            r = c.read_response()
        assert (r.status, same(r.body)) == expected[path], path

"""Reads sent behind another query on a busy connection (libpq's pipeline
mode, lib/pg/db.c): each query has a Sync of its own, so one that fails
fails alone; one still waiting behind keeps the acquire timeout; a client
that leaves mid-pipeline costs nothing; and every answer is the one the
query gives on its own, byte for byte.

The read held at PostgreSQL is GET /api/v1/periods, blocked on a lock of
its table, which the task list does not read (as test_pool.py does with the
agencies); the reads behind it are task lists (a route a replica may serve:
only reads, so they may be pipelined).

Each step waits for the state it needs, seen in /metrics and pg_locks, never
for a while: which read went behind the held one is the
policytrack_db_pool_pipelined gauge, not a count of the queue, which also
holds the sealer's query (it seals once a second while the pool is busy).
Deadlines only bound a hang."""

import concurrent.futures
import re
import time

import pytest

import ptutil

DEADLINE = 30  # seconds; only reached if something hangs (ASan on a loaded machine is slow)
FOR_GOOD_MS = str(DEADLINE * 2 * 1000)  # a timeout no step below reaches


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


def gauges(d):
    """The pool's and the server's gauges now (the /metrics request itself is in flight)."""
    _, samples = d.metrics()
    got = {name: ptutil.metric_sum(samples, "policytrack_" + name)
           for name in ("db_pool_waiting", "db_pool_pipelined", "http_requests_in_flight",
                        "http_connections_open")}
    got["token_misses"] = sum(v for n, ls, v in samples if n == "policytrack_cache_lookups_total"
                              and ls.get("cache") == "tokens" and ls.get("result") == "miss")
    return got


def wait_gauges(d, **want):
    """Until each gauge named has its value; returns them all."""
    deadline = time.monotonic() + DEADLINE
    while True:
        got = gauges(d)
        if all(got[k] == v for k, v in want.items()):
            return got
        assert time.monotonic() < deadline, f"/metrics: {got}; wanted {want}"
        time.sleep(0.01)


LISTS = ["/api/v1/tasks?limit=20", "/api/v1/tasks?limit=5&status=in_progress",
         "/api/v1/tasks?limit=20&status=bogus", "/api/v1/tasks?limit=3&agency=nope",
         "/api/v1/tasks?limit=50&overdue=true"]


def start(daemons, db, *args):
    """A daemon on one connection whose caches answer: the token's identity
    is then kept, so a list is one read (a token's lookup is a query of its
    own, never sent behind another)."""
    d = daemons.start("--pool-size", "1", *args, database_url=db.app_url)
    ptutil.wait_change_feed_live(d, timeout=DEADLINE)
    return d


def serial_answers(d, token):
    """Each list's answer on its own; then the held read, last. A query is
    sent behind neither a statement's first run on the connection nor one
    that switches the connection's plan mode (a list runs a variant on the
    generic plan, the held read does not), so the held read must have run
    once, and after the lists."""
    out = {}
    for path in LISTS:
        with d.raw() as c:
            c.send(request(path, token))
            r = c.read_response()
        out[path] = (r.status, same(r.body))
    assert {s for s, _ in out.values()} == {200, 400}, out
    with d.raw() as c:
        c.send(request("/api/v1/periods", token))
        assert c.read_response().status == 200
    return out


def hold_the_connection(d, token):
    """A GET /api/v1/periods that holds the pool's only connection at the
    lock. In flight with no query waiting, it runs on the connection (its
    token is known: no lookup of its own). The reads sent behind it go at
    once: one is sent behind a busy connection only while no query waits,
    and the sealer queues one after a second of a busy pool."""
    base = gauges(d)
    holder = d.raw(timeout=DEADLINE)
    holder.send(request("/api/v1/periods", token))
    wait_gauges(d, http_requests_in_flight=base["http_requests_in_flight"] + 1,
                db_pool_waiting=0, db_pool_pipelined=0)
    return holder, base


def send_behind(d, token, lock, base, paths):
    """Sends each path on a connection of its own; returns them once one
    waits behind the held read and the others in the queue."""
    clients = []
    for path in paths:
        c = d.raw(timeout=DEADLINE)
        c.send(request(path, token))
        clients.append(c)
    got = wait_gauges(d, http_requests_in_flight=base["http_requests_in_flight"] + 1 + len(paths),
                      db_pool_pipelined=1)
    # Every read is in flight, one behind the held read: the others wait in the queue.
    assert got["db_pool_waiting"] >= len(paths) - 1, got
    assert got["token_misses"] == base["token_misses"], f"a token was looked up: {got}"
    assert lock.wait_for_waiter(DEADLINE, application_name="policytrackd"), \
        "GET /api/v1/periods did not reach PostgreSQL"
    return clients


def test_a_failing_query_fails_alone(daemons, db, token, lock):
    d = start(daemons, db, "--query-timeout-ms", FOR_GOOD_MS, "--acquire-timeout-ms", FOR_GOOD_MS)
    expected = serial_answers(d, token)
    with lock:
        holder, base = hold_the_connection(d, token)
        behind = send_behind(d, token, lock, base, LISTS)
        # The held read fails (as the daemon's role, which may cancel its own sessions' queries).
        cancelled = ptutil.psql_value(db.app_url, """SELECT count(pg_cancel_backend(a.pid))
            FROM pg_stat_activity a WHERE a.datname = current_database()
              AND a.application_name = 'policytrackd' AND a.wait_event_type = 'Lock'""")
        assert cancelled == "1", cancelled
        with holder:
            h = holder.read_response(timeout=DEADLINE)
        ptutil.assert_problem(h, 503)  # canceled: as a statement_timeout is
        for c, path in zip(behind, LISTS):
            with c:
                r = c.read_response(timeout=DEADLINE)
            assert (r.status, same(r.body)) == expected[path], path
    assert d.get("/readyz").status == 200


def test_a_query_waiting_behind_keeps_the_acquire_timeout(daemons, db, token, lock):
    acquire_ms = 3000
    query_timeout_s = 20
    d = start(daemons, db, "--query-timeout-ms", str(query_timeout_s * 1000),
              "--acquire-timeout-ms", str(acquire_ms))
    expected = serial_answers(d, token)
    with lock:
        holder, base = hold_the_connection(d, token)
        t0 = time.monotonic()
        pipelined, queued = send_behind(d, token, lock, base, LISTS[:2])
        for c in (pipelined, queued):
            with c:
                r = c.read_response(timeout=DEADLINE)
            waited = time.monotonic() - t0
            ptutil.assert_problem(r, 503)
            assert r.header("Retry-After") is not None
            # At the acquire timeout, not behind the held read's statement timeout.
            assert waited < query_timeout_s / 2, f"answered after {waited:.2f}s"
        assert d.get("/healthz", timeout=DEADLINE).elapsed < 2
        lock.release()
        with holder:
            assert holder.read_response(timeout=DEADLINE).status == 200
    # The dropped answer of the one that waited behind does not reach anyone else.
    for path in LISTS:
        with d.raw() as c:
            c.send(request(path, token))
            r = c.read_response()
        assert (r.status, same(r.body)) == expected[path], path
    wait_gauges(d, db_pool_waiting=0, db_pool_pipelined=0)


def test_a_client_leaving_mid_pipeline(daemons, db, token, lock):
    d = start(daemons, db, "--query-timeout-ms", FOR_GOOD_MS, "--acquire-timeout-ms", FOR_GOOD_MS)
    expected = serial_answers(d, token)
    with lock:
        holder, base = hold_the_connection(d, token)
        # The first leaving one waits behind the held read, the others in the queue.
        clients = send_behind(d, token, lock, base, [LISTS[0]] * 3 + [LISTS[1]])
        leaving, staying = clients[:3], clients[3]
        # Gone before their answers exist (the daemon learns it when it answers).
        for c in leaving:
            c.close()
        lock.release()
        with holder:
            assert holder.read_response(timeout=DEADLINE).status == 200
        with staying:
            r = staying.read_response(timeout=DEADLINE)
        assert (r.status, same(r.body)) == expected[LISTS[1]]
    # The left ones' queries ran, and their requests and connections are done with.
    wait_gauges(d, db_pool_waiting=0, db_pool_pipelined=0,
                http_requests_in_flight=base["http_requests_in_flight"],
                http_connections_open=base["http_connections_open"])
    assert d.get("/readyz").status == 200


def test_many_concurrent_lists_on_a_small_pool(daemons, db, token):
    d = daemons.start("--pool-size", "2", database_url=db.app_url)
    expected = serial_answers(d, token)
    paths = [LISTS[i % len(LISTS)] for i in range(300)]

    def one(path):
        r = d.get(path, headers={"Authorization": f"Bearer {token}"}, timeout=DEADLINE)
        return path, r.status, same(r.body)

    with concurrent.futures.ThreadPoolExecutor(max_workers=32) as ex:
        answers = list(ex.map(one, paths, timeout=120))
    wrong = [(p, s) for p, s, b in answers if (s, b) != expected[p]]
    assert not wrong, f"{len(wrong)} of {len(answers)} answers differ from the serial ones: {wrong[:5]}"
    wait_gauges(d, db_pool_waiting=0, db_pool_pipelined=0)


def test_the_connection_lost_mid_pipeline(daemons, db, token, lock):
    d = start(daemons, db, "--query-timeout-ms", FOR_GOOD_MS, "--acquire-timeout-ms", FOR_GOOD_MS,
              "--reconnect-max-ms", "300")
    expected = serial_answers(d, token)
    with lock:
        holder, base = hold_the_connection(d, token)
        pipelined, queued = send_behind(d, token, lock, base, LISTS[:2])
        # As the daemon's role, which may end its own sessions.
        ptutil.psql(db.app_url, """SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'policytrackd'""")
        # Everything in flight and waiting is answered; the loop does not spin.
        for c in (holder, pipelined, queued):
            with c:
                ptutil.assert_problem(c.read_response(timeout=DEADLINE), 503)
        assert d.get("/healthz", timeout=DEADLINE).elapsed < 2
    deadline = time.monotonic() + DEADLINE
    while d.get("/readyz", timeout=DEADLINE).status != 200:
        assert time.monotonic() < deadline, "the pool did not reconnect"
        time.sleep(0.1)
    for path in LISTS:
        with d.raw() as c:
            c.send(request(path, token))
            r = c.read_response()
        assert (r.status, same(r.body)) == expected[path], path

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
import types

import pytest

import ptutil

DEADLINE = 30  # seconds; only reached if something hangs (ASan on a loaded machine is slow)
ATTEMPTS = 5  # set-ups lost to the sealer's race (see pipelined()) before the test fails
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
    holder = ptutil.LockHolder(db.owner_url, "periods")
    yield holder
    holder.release()


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


def pipelined(daemons, db, token, lock, paths, *args):
    """A daemon (start(*args)) whose one connection holds a GET
    /api/v1/periods at the lock, with each of paths sent on a connection of
    its own: one waits behind the held read, the others in the queue.
    Returns the daemon (d), its serial answers (expected), the held read's
    connection (holder), the clients, when they were sent (sent_at) and the
    gauges before (base), the lock held.

    The lists go as soon as /metrics shows the held read on the connection,
    since a read is never sent ahead of a query waiting before it, and the
    sealer queues one after a second of a busy pool, counted from its last
    run, which may be most of a second ago. When its query got in line
    first (the lists all in flight, none behind the held read), the set-up
    is let go and made again on a new daemon (the held read's long run
    counts in its mean: a second one on the same daemon would be slow)."""
    for attempt in range(ATTEMPTS):
        d = start(daemons, db, *args)
        expected = serial_answers(d, token)
        lock.__enter__()
        base = gauges(d)
        holder = d.raw(timeout=DEADLINE)
        holder.send(request("/api/v1/periods", token))
        # In flight with nothing waiting: the held read runs on the connection (its token is
        # known, so no lookup of its own runs first).
        wait_gauges(d, http_requests_in_flight=base["http_requests_in_flight"] + 1,
                    db_pool_waiting=0, db_pool_pipelined=0)
        sent_at = time.monotonic()
        clients = []
        for path in paths:
            c = d.raw(timeout=DEADLINE)
            c.send(request(path, token))
            clients.append(c)
        # A read's query is sent, sent behind or queued as its request is routed.
        got = wait_gauges(d, http_requests_in_flight=base["http_requests_in_flight"] + 1 + len(paths))
        assert got["token_misses"] == base["token_misses"], f"a token was looked up: {got}"
        if got["db_pool_pipelined"] == 1:
            assert got["db_pool_waiting"] >= len(paths) - 1, got
            assert lock.wait_for_waiter(DEADLINE, application_name="policytrackd"), \
                "GET /api/v1/periods did not reach PostgreSQL"
            return types.SimpleNamespace(d=d, expected=expected, holder=holder, clients=clients,
                                         sent_at=sent_at, base=base)
        assert got["db_pool_pipelined"] == 0 and got["db_pool_waiting"] == len(paths) + 1, got
        lock.release()
        for c in [holder] + clients:
            with c:
                assert c.read_response(timeout=DEADLINE).status in (200, 400)
    pytest.fail(f"the sealer's query was ahead of the lists {ATTEMPTS} times")


def test_a_failing_query_fails_alone(daemons, db, token, lock):
    p = pipelined(daemons, db, token, lock, LISTS,
                  "--query-timeout-ms", FOR_GOOD_MS, "--acquire-timeout-ms", FOR_GOOD_MS)
    # The held read fails (as the daemon's role, which may cancel its own sessions' queries).
    cancelled = ptutil.psql_value(db.app_url, """SELECT count(pg_cancel_backend(a.pid))
        FROM pg_stat_activity a WHERE a.datname = current_database()
          AND a.application_name = 'policytrackd' AND a.wait_event_type = 'Lock'""")
    assert cancelled == "1", cancelled
    with p.holder:
        ptutil.assert_problem(p.holder.read_response(timeout=DEADLINE), 503)  # as at statement_timeout
    for c, path in zip(p.clients, LISTS):
        with c:
            r = c.read_response(timeout=DEADLINE)
        assert (r.status, same(r.body)) == p.expected[path], path
    assert p.d.get("/readyz").status == 200


def test_a_query_waiting_behind_keeps_the_acquire_timeout(daemons, db, token, lock):
    acquire_ms = 3000
    query_timeout_s = 20
    p = pipelined(daemons, db, token, lock, LISTS[:2], "--query-timeout-ms",
                  str(query_timeout_s * 1000), "--acquire-timeout-ms", str(acquire_ms))
    for c in p.clients:  # the one behind the held read, then the one in the queue
        with c:
            r = c.read_response(timeout=DEADLINE)
        waited = time.monotonic() - p.sent_at
        ptutil.assert_problem(r, 503)
        assert r.header("Retry-After") is not None
        # At the acquire timeout, not behind the held read's statement timeout.
        assert waited < query_timeout_s / 2, f"answered after {waited:.2f}s"
    assert p.d.get("/healthz", timeout=DEADLINE).elapsed < 2
    lock.release()
    with p.holder:
        assert p.holder.read_response(timeout=DEADLINE).status == 200
    # The dropped answer of the one that waited behind does not reach anyone else.
    for path in LISTS:
        with p.d.raw() as c:
            c.send(request(path, token))
            r = c.read_response()
        assert (r.status, same(r.body)) == p.expected[path], path
    wait_gauges(p.d, db_pool_waiting=0, db_pool_pipelined=0)


def test_a_client_leaving_mid_pipeline(daemons, db, token, lock):
    # The first leaving one waits behind the held read, the others in the queue.
    p = pipelined(daemons, db, token, lock, [LISTS[0]] * 3 + [LISTS[1]],
                  "--query-timeout-ms", FOR_GOOD_MS, "--acquire-timeout-ms", FOR_GOOD_MS)
    leaving, staying = p.clients[:3], p.clients[3]
    # Gone before their answers exist (the daemon learns it when it answers).
    for c in leaving:
        c.close()
    lock.release()
    with p.holder:
        assert p.holder.read_response(timeout=DEADLINE).status == 200
    with staying:
        r = staying.read_response(timeout=DEADLINE)
    assert (r.status, same(r.body)) == p.expected[LISTS[1]]
    # The left ones' queries ran, and their requests and connections are done with.
    wait_gauges(p.d, db_pool_waiting=0, db_pool_pipelined=0,
                http_requests_in_flight=p.base["http_requests_in_flight"],
                http_connections_open=p.base["http_connections_open"])
    assert p.d.get("/readyz").status == 200


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
    p = pipelined(daemons, db, token, lock, LISTS[:2], "--query-timeout-ms", FOR_GOOD_MS,
                  "--acquire-timeout-ms", FOR_GOOD_MS, "--reconnect-max-ms", "300")
    # As the daemon's role, which may end its own sessions.
    ptutil.psql(db.app_url, """SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'policytrackd'""")
    # Everything in flight and waiting is answered; the loop does not spin.
    for c in [p.holder] + p.clients:
        with c:
            ptutil.assert_problem(c.read_response(timeout=DEADLINE), 503)
    assert p.d.get("/healthz", timeout=DEADLINE).elapsed < 2
    deadline = time.monotonic() + DEADLINE
    while p.d.get("/readyz", timeout=DEADLINE).status != 200:
        assert time.monotonic() < deadline, "the pool did not reconnect"
        time.sleep(0.1)
    for path in LISTS:
        with p.d.raw() as c:
            c.send(request(path, token))
            r = c.read_response()
        assert (r.status, same(r.body)) == p.expected[path], path

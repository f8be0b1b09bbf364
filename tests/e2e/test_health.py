"""Liveness, readiness, metrics, request ids and the access log."""

import re
import secrets
import subprocess
import time

import pytest

import ptutil


@pytest.fixture(scope="module")
def daemon(module_daemons, migrated_db):
    return module_daemons.start(database_url=migrated_db)


def test_healthz_ok(daemon):
    r = daemon.get("/healthz")
    assert r.status == 200, r
    assert r.media_type == "application/json", r.header("Content-Type")
    assert r.json() == {"status": "ok"}
    assert r.elapsed < 1.0, f"/healthz took {r.elapsed:.3f}s"


def test_readyz_ready_with_schema_version(daemon, migrated_db):
    expected = int(ptutil.psql_value(ptutil.migrate_db_url(), "SELECT max(version) FROM schema_migrations"))
    r = daemon.get("/readyz")
    assert r.status == 200, r
    assert r.media_type == "application/json", r.header("Content-Type")
    body = r.json()
    assert body.get("status") == "ready", body
    assert body.get("schema_version") == expected and type(body.get("schema_version")) is int, \
        f"schema_version {body.get('schema_version')!r}, database says {expected}"


def _scrape(daemon):
    r = daemon.get("/metrics")
    assert r.status == 200, r
    return r


def test_metrics_content_type_and_promtool(daemon):
    # Exercise a few routes and statuses first so every family has samples.
    daemon.get("/healthz")
    daemon.get("/readyz")
    daemon.get("/no-such-path")
    daemon.request("POST", "/healthz")
    r = _scrape(daemon)
    ct = r.header("Content-Type") or ""
    params = [p.strip().replace(" ", "") for p in ct.split(";")[1:]]
    assert r.media_type == "text/plain" and "version=0.0.4" in params, \
        f"Content-Type {ct!r} is not text/plain; version=0.0.4"
    promtool = ptutil.promtool_path()
    cp = subprocess.run([promtool, "check", "metrics"], input=r.body, capture_output=True, timeout=30)
    assert cp.returncode == 0, (f"promtool check metrics exited {cp.returncode}:\n"
                                f"{cp.stdout.decode()}{cp.stderr.decode()}\n--- metrics ---\n"
                                f"{r.body.decode()}")


REQUIRED_FAMILIES = {
    "policytrack_http_requests_total": "counter",
    "policytrack_http_request_duration_seconds": "histogram",
    "policytrack_db_pool_connections": "gauge",
    "policytrack_db_pool_waiting": "gauge",
    "policytrack_db_pool_pipelined": "gauge",
    "policytrack_db_reconnects_total": "counter",
    "policytrack_db_errors_total": "counter",
    "policytrack_http_connections_open": "gauge",
}


def test_metrics_families(daemon):
    types, samples = daemon.metrics()
    names = {n for n, _, _ in samples}
    for family, kind in REQUIRED_FAMILIES.items():
        assert types.get(family) == kind, f"# TYPE {family} is {types.get(family)!r}, expected {kind}"
        if kind == "histogram":
            for suffix in ("_bucket", "_sum", "_count"):
                assert family + suffix in names, f"no {family}{suffix} samples"
        else:
            assert family in names, f"no samples of {family}"
    states = {ls.get("state") for n, ls, _ in samples if n == "policytrack_db_pool_connections"}
    assert None not in states and states, f"policytrack_db_pool_connections lacks a state label: {states}"
    assert ptutil.metric_sum(samples, "policytrack_http_connections_open") >= 1, \
        "policytrack_http_connections_open is 0 while a connection scrapes it"


def _healthz_count(samples):
    return sum(v for n, ls, v in samples
               if n == "policytrack_http_requests_total" and ls.get("method") == "GET"
               and ls.get("status") == "200" and "healthz" in ls.get("route", ""))


def test_metrics_count_requests(daemon):
    daemon.get("/healthz")
    _, samples = daemon.metrics()
    for n, ls, _ in samples:
        if n == "policytrack_http_requests_total":
            assert {"route", "method", "status"} <= set(ls), f"labels {ls} lack route/method/status"
    before = _healthz_count(samples)
    assert before >= 1, "no policytrack_http_requests_total{route=~healthz,method=GET,status=200} sample"
    for _ in range(3):
        assert daemon.get("/healthz").status == 200
    deadline = time.monotonic() + 2
    while True:
        after = _healthz_count(daemon.metrics()[1])
        if after >= before + 3 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert after >= before + 3, f"healthz counter went {before} -> {after} after 3 requests"


def test_metrics_histogram_consistent(daemon):
    daemon.get("/healthz")
    _, samples = daemon.metrics()
    fam = "policytrack_http_request_duration_seconds"
    series = {}
    for n, ls, v in samples:
        if n.startswith(fam + "_"):
            key = tuple(sorted((k, w) for k, w in ls.items() if k != "le"))
            series.setdefault(key, {"buckets": [], "count": None})
            if n == fam + "_bucket":
                series[key]["buckets"].append((float(ls["le"]), v))
            elif n == fam + "_count":
                series[key]["count"] = v
    assert series, "no histogram series"
    for key, s in series.items():
        buckets = sorted(s["buckets"])
        assert buckets and buckets[-1][0] == float("inf"), f"{key}: no le=\"+Inf\" bucket"
        counts = [c for _, c in buckets]
        assert counts == sorted(counts), f"{key}: bucket counts decrease: {buckets}"
        assert s["count"] == buckets[-1][1], f"{key}: _count {s['count']} != +Inf bucket {buckets[-1][1]}"


def test_metrics_route_label_is_bounded(daemon):
    """Unknown paths must not each become a label value (unbounded series)."""
    marker = "zz" + secrets.token_hex(6)
    assert daemon.get(f"/{marker}").status == 404
    r = _scrape(daemon)
    assert marker not in r.body.decode(), "the raw path of a 404 request became a metrics label value"
    _, samples = ptutil.parse_metrics(r.body.decode())
    assert any(n == "policytrack_http_requests_total" and ls.get("status") == "404" for n, ls, _ in samples), \
        "404 answers are not counted in policytrack_http_requests_total"


# -- request ids

ID_RE = re.compile(r"^[0-9a-f]{32}$")


@pytest.mark.parametrize("rid", ["abc", "A-b_c.9", "x" * 64, "0", "...", "req-" + "9" * 60])
def test_sane_request_id_echoed(daemon, rid):
    r = daemon.get("/healthz", headers={"X-Request-Id": rid})
    assert r.status == 200
    assert r.header("X-Request-Id") == rid


@pytest.mark.parametrize("rid", ["x" * 65, "bad id", "a/b", "a;b", "<script>", "é", "a\tb"])
def test_insane_request_id_replaced(daemon, rid):
    # Raw socket, so that any byte can be sent as the value.
    with daemon.raw() as c:
        c.send(b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Request-Id: " + rid.encode("utf-8") + b"\r\n\r\n")
        r = c.read_response()
    assert r.status == 200, r
    got = r.header("X-Request-Id")
    assert got and ID_RE.match(got), f"X-Request-Id {got!r} for incoming {rid!r} is not a fresh 32-hex id"


def test_empty_request_id_replaced(daemon):
    with daemon.raw() as c:
        c.send(b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Request-Id:\r\n\r\n")
        r = c.read_response()
    assert r.status == 200, r
    assert ID_RE.match(r.header("X-Request-Id") or ""), r.header("X-Request-Id")


def test_generated_request_ids_are_fresh(daemon):
    ids = {daemon.get("/healthz").header("X-Request-Id") for _ in range(5)}
    assert all(i and ID_RE.match(i) for i in ids), ids
    assert len(ids) == 5, f"generated ids repeat: {ids}"


def test_problem_carries_generated_request_id(daemon):
    r = daemon.get("/no-such-path")
    body = ptutil.assert_problem(r, 404)
    assert ID_RE.match(body["request_id"]), body
    assert r.header("X-Request-Id") == body["request_id"]


# -- logs

def test_access_log_line(daemon):
    rid = "log-" + secrets.token_hex(8)
    assert daemon.get("/healthz?x=1", headers={"X-Request-Id": rid}).status == 200
    rec = daemon.wait_for_log(lambda r: r.get("msg") == "request" and r.get("request_id") == rid)
    assert rec is not None, f"no access log line with request_id {rid}:\n{ptutil.tail(daemon.stderr_text())}"
    assert rec.get("method") == "GET", rec
    assert rec.get("path") in ("/healthz", "/healthz?x=1"), rec
    assert rec.get("status") == 200, rec
    assert isinstance(rec.get("duration_ms"), (int, float)) and rec["duration_ms"] >= 0, rec

    rid404 = "log-" + secrets.token_hex(8)
    daemon.get("/nope", headers={"X-Request-Id": rid404})
    rec = daemon.wait_for_log(lambda r: r.get("msg") == "request" and r.get("request_id") == rid404)
    assert rec is not None and rec.get("status") == 404 and rec.get("path") == "/nope", rec


def test_one_access_log_line_per_request(daemon):
    rid = "once-" + secrets.token_hex(8)
    daemon.get("/healthz", headers={"X-Request-Id": rid})
    daemon.wait_for_log(lambda r: r.get("msg") == "request" and r.get("request_id") == rid)
    time.sleep(0.2)
    n = sum(1 for r in daemon.log_records() if r.get("msg") == "request" and r.get("request_id") == rid)
    assert n == 1, f"{n} access log lines for one request"


def test_logs_are_json_lines(daemon):
    daemon.get("/healthz")
    text = daemon.stderr_text()
    bad = [line for line in text.splitlines() if line.strip() and ptutil._json_or_none(line) is None]
    assert not bad, f"stderr lines that are not JSON objects: {bad[:5]}"
    assert all("msg" in r for r in daemon.log_records()), "a log record lacks msg"

"""The routes the daemon serves and the paths api/openapi.yaml describes are
the same set (HEAD is implied by GET)."""

import re
import urllib.parse

import pytest
import yaml

import ptutil

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SPEC_PATH = ptutil.ROOT / "api" / "openapi.yaml"


def normalize(path):
    """/tasks/{id} and /tasks/{task_id} are the same route."""
    return re.sub(r"\{[^}/]*\}", "{}", path)


@pytest.fixture(scope="module")
def routes():
    cp = ptutil.run_daemon_once(["--print-routes"])
    assert cp.returncode == 0, cp
    out = set()
    for line in cp.stdout.splitlines():
        method, _, path = line.partition(" ")
        assert method.isupper() and path.startswith("/"), f"bad --print-routes line {line!r}"
        out.add((method, normalize(path)))
    return out


@pytest.fixture(scope="module")
def spec():
    if not SPEC_PATH.exists():
        pytest.fail(f"{SPEC_PATH} does not exist")
    with open(SPEC_PATH, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    assert isinstance(doc, dict) and str(doc.get("openapi", "")).startswith("3.1"), \
        f"api/openapi.yaml is not OpenAPI 3.1 (openapi: {doc.get('openapi')!r})"
    assert isinstance(doc.get("paths"), dict) and doc["paths"], "api/openapi.yaml has no paths"
    return doc


def spec_operations(doc):
    """{(METHOD, full path)} with server base paths (e.g. /api/v1) as
    alternatives: a set of candidate sets."""
    bases = {""}
    for server in doc.get("servers") or []:
        base = urllib.parse.urlsplit(str(server.get("url", ""))).path.rstrip("/")
        bases.add(base)
    ops = []
    for path, item in doc["paths"].items():
        if not isinstance(item, dict):
            continue
        for method in METHODS:
            if method in item:
                ops.append((method.upper(), path, {(method.upper(), normalize(b + path)) for b in bases}))
    return ops


def served(routes, method, path):
    if (method, path) in routes:
        return True
    return method == "HEAD" and ("GET", path) in routes


def test_every_route_is_in_the_spec(routes, spec):
    documented = set()
    for method, _, candidates in spec_operations(spec):
        documented |= candidates
    missing = sorted(f"{m} {p}" for m, p in routes
                     if (m, p) not in documented and not (m == "HEAD" and ("GET", p) in documented))
    assert not missing, "routes served but not in api/openapi.yaml:\n  " + "\n  ".join(missing)


def test_every_spec_operation_is_routed(routes, spec):
    missing = sorted(f"{m} {p}" for m, p, candidates in spec_operations(spec)
                     if not any(served(routes, cm, cp) for cm, cp in candidates))
    assert not missing, "operations in api/openapi.yaml that the daemon does not route:\n  " + "\n  ".join(missing)


def test_core_routes_in_spec(spec):
    for path in ("/healthz", "/readyz", "/metrics"):
        assert "get" in (spec["paths"].get(path) or {}), f"api/openapi.yaml lacks GET {path}"


def test_every_route_is_dispatched(routes, daemons, migrated_db):
    """Each route reaches a handler: unauthenticated calls get a clear answer,
    never 405/501, never a 5xx, and 404 only where a path
    parameter names nothing."""
    d = daemons.start(database_url=migrated_db)
    bad = []
    for method, path in sorted(routes):
        if method in ("HEAD",):
            continue
        has_param = "{}" in path
        target = path.replace("{}", "0")
        body = b"{}" if method in ("POST", "PUT", "PATCH") else None
        headers = {"Content-Type": "application/json"} if body is not None else {}
        r = d.request(method, target, headers=headers, body=body, timeout=10)
        ok = r.status not in (405, 501) and r.status < 500 and \
            (has_param or r.status != 404)
        if ok and r.status >= 400:
            try:
                ptutil.assert_problem(r, r.status)
            except AssertionError as e:
                ok = False
                r = f"{r.status} not a problem: {e}"
        if not ok:
            bad.append(f"{method} {target}: {r!r}")
    assert not bad, "routes that do not reach a handler properly:\n  " + "\n  ".join(bad)

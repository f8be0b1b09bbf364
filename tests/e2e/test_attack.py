"""The attack matrix, from the outside: every route as callers it must refuse,
writes aimed at other units' objects, hostile values in every documented
query, path and body parameter, framing and smuggling, fuzzed requests and a
crowd of heavy dashboards, all against the real daemon on the catalogue.

Each family counts what it tried, what held and what was lost; a single loss
fails the family. The counts go to docs/security.md ("The attack matrix"):
`tests/attack/run` runs this file at full size (10,000 fuzzed requests) and
prints the table. In scripts/test it runs at a bounded size
(PT_ATTACK_FUZZ_REQUESTS, default 1,000).

"Held" means, for every request: no 5xx other than 501/505 (and 503 only
with a problem and Retry-After), every 4xx a problem answer, no injected
header in the answer, and the state of the catalogue, tasks, work items,
reports, periods, users and the trail unchanged unless the caller was
entitled to the change."""

import http.client
import json
import os
import random
import secrets
import socket
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
import yaml

import ptutil
import test_permissions

FUZZ_REQUESTS = int(os.environ.get("PT_ATTACK_FUZZ_REQUESTS", "1000"))
CROWD = int(os.environ.get("PT_ATTACK_CROWD", "200"))
REPORT = os.environ.get("PT_ATTACK_REPORT")  # where to write the matrix as Markdown

# family -> [tried, held, lost, what held means]
MATRIX = {}
LOSSES = {}

# Values an attacker puts where an identifier, a code, a date or a number belongs.
HOSTILE = [
    "'", "' OR '1'='1", "1; DROP TABLE tasks; --", "1 UNION SELECT password_hash FROM users --",
    "\x00", "a\x00b", "\u202e\u0645", "../../../etc/passwd", "%s%s%s%n", "-1", "0",
    "99999999999999999999999", "1e308", "NaN", "A" * 5000, "{{7*7}}", "<script>alert(1)</script>",
    "\r\nX-Injected: 1", "2017-02-30", "true", "[]", "$1", "\\", "陕西省' --",
]
# JSON values of the wrong kind for any body field.
HOSTILE_JSON = HOSTILE[:12] + [None, -1, 1e308, 2 ** 63, [], {}, True, [[[[[[[[[[]]]]]]]]]],
                               {"$gt": ""}]


def count(family, meaning, held, detail=None):
    row = MATRIX.setdefault(family, [0, 0, 0, meaning])
    row[0] += 1
    if held:
        row[1] += 1
    else:
        row[2] += 1
        LOSSES.setdefault(family, []).append(detail)


def assert_family_held(family):
    tried, held, lost, _ = MATRIX[family]
    assert tried > 0
    assert lost == 0, f"{family}: {lost} of {tried} lost, first: {LOSSES[family][:5]}"


def answer_held(r, refused=None):
    """The rule every answer must keep; refused, when given, is the set of
    statuses the request must get."""
    if r is None:
        return False
    if r.status >= 500 and r.status not in (501, 505):
        if not (r.status == 503 and r.header("Retry-After")):
            return False
    if r.header("X-Injected") is not None:
        return False
    if r.status >= 400 and r.media_type != "application/problem+json":
        return False
    return refused is None or r.status in refused


# The owner role's conninfo of the attacked database, for reading fingerprints.
OWNER_URL = [None]


@pytest.fixture(scope="module", autouse=True)
def write_matrix():
    yield
    if not REPORT:
        return
    lines = ["| family | tried | held | lost | held means |", "| --- | ---: | ---: | ---: | --- |"]
    for family, (tried, held, lost, meaning) in MATRIX.items():
        lines.append(f"| {family} | {tried:,} | {held:,} | {lost:,} | {meaning} |")
    Path(REPORT).parent.mkdir(parents=True, exist_ok=True)
    Path(REPORT).write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def attacked_db():
    """tests/attack/run's database (generated at scale) when it names one with
    PT_ATTACK_GIVEN_DATABASE; else a fresh one, so that the writes that get
    through (as they should) never reach the tasks other modules use."""
    if os.environ.get("PT_ATTACK_GIVEN_DATABASE"):
        ptutil.migrate(ptutil.migrate_db_url())
        OWNER_URL[0] = ptutil.migrate_db_url()
        yield ptutil.app_db_url()
        return
    with ptutil.fresh_database() as db:
        ptutil.migrate(db.owner_url)
        OWNER_URL[0] = db.owner_url
        yield db.app_url


@pytest.fixture(scope="module")
def migrated_db(attacked_db):
    return attacked_db


@pytest.fixture(scope="module")
def d(module_daemons, migrated_db):
    return module_daemons.start(database_url=migrated_db)


@pytest.fixture(scope="module")
def who(migrated_db):
    specs = {"admin": ("admin", {}), "coord": ("coordinator", {}), "obs": ("observer", {}),
             "moa": ("agency", {"agency": "moa", "province": "CN-LN"}), "sipo": ("agency", {"agency": "sipo"}),
             "ln": ("province", {"province": "CN-LN"}), "jl": ("province", {"province": "CN-JL"})}
    users = {name: ptutil.make_user(migrated_db, role, **scope) for name, (role, scope) in specs.items()}
    return {name: {"user": user, "role": specs[name][0],
                   "headers": ptutil.bearer(ptutil.issue_token(migrated_db, user))}
            for name, user in users.items()}


def fingerprint():
    """What no refused request may change: rows of every table a write
    touches, and the trail's length and head."""
    sql = ("SELECT md5(concat_ws('|',"
           " (SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM tasks t),"
           " (SELECT md5(string_agg(w::text, ',' ORDER BY id)) FROM work_items w),"
           " (SELECT md5(string_agg(r::text, ',' ORDER BY id)) FROM reports r),"
           " (SELECT md5(string_agg(p::text, ',' ORDER BY code)) FROM periods p),"
           " (SELECT md5(string_agg(concat_ws(',', username, role, agency_code, province_code, password_hash, disabled),"
           "   ';' ORDER BY id)) FROM users),"
           " (SELECT md5(string_agg(m::text, ',' ORDER BY id)) FROM measures m),"
           " (SELECT count(*) || ':' || coalesce(max(id), 0) FROM events)))")
    return ptutil.psql_value(OWNER_URL[0], sql)


def send(d, caller, method, path, body=None, headers=None, raw=None, timeout=10.0):
    h = dict(caller["headers"]) if caller else {}
    h.update(headers or {})
    data = raw
    if body is not None:
        h["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    elif raw is not None:
        h.setdefault("Content-Type", "application/json")
    try:
        return d.request(method, path, headers=h, body=data, timeout=timeout)
    except (OSError, http.client.HTTPException):  # a reset or a timeout counts as lost
        return None


# --------------------------------------------------------------------------
# Routes as callers the permission table refuses


def refused_tokens(d, migrated_db):
    """Credentials that must each be refused with 401: forged, expired,
    revoked, a disabled user's, and malformed headers."""
    expired_user = ptutil.make_user(migrated_db, "coordinator")
    expired = ptutil.issue_token(migrated_db, expired_user)
    ptutil.psql(OWNER_URL[0],
                "UPDATE tokens SET created_at = now() - interval '2 hours', expires_at = now() - interval '1 minute' "
                f"WHERE user_id = (SELECT id FROM users WHERE username = '{expired_user}');")
    revoked_user = ptutil.make_user(migrated_db, "coordinator")
    signed_in = d.request("POST", "/api/v1/sessions", headers={"Content-Type": "application/json"},
                          body=json.dumps({"username": revoked_user, "password": ptutil.PASSWORD}).encode(),
                          timeout=60.0)  # argon2id on a busy machine
    assert signed_in.status == 201, signed_in
    revoked = signed_in.json()["token"]
    assert d.request("DELETE", "/api/v1/sessions/current", headers=ptutil.bearer(revoked)).status == 204
    disabled_user = ptutil.make_user(migrated_db, "coordinator")
    disabled = ptutil.issue_token(migrated_db, disabled_user)
    ptutil.run_cli(["user", "disable", disabled_user, "--database-url", migrated_db], expect_rc=0)
    forged = "pt_" + secrets.token_urlsafe(32)[:43]
    return {
        "nobody": {},
        "forged token": {"Authorization": f"Bearer {forged}"},
        "expired token": {"Authorization": f"Bearer {expired}"},
        "revoked token": {"Authorization": f"Bearer {revoked}"},
        "disabled user": {"Authorization": f"Bearer {disabled}"},
        "Basic scheme": {"Authorization": "Basic YWRtaW46YWRtaW4="},
        "empty bearer": {"Authorization": "Bearer "},
        "token with a tail": {"Authorization": f"Bearer {forged} x"},
    }


def test_every_route_refuses_callers_the_table_refuses(d, migrated_db, who):
    family = "route authorization"
    meaning = "401 for no, a forged, expired, revoked or disabled user's token; 403 for a role the table refuses; nothing changed"
    tokens = refused_tokens(d, migrated_db)
    before = fingerprint()
    revoked_probe = send(d, {"headers": tokens["revoked token"]}, "GET", "/api/v1/me")
    assert revoked_probe is not None and revoked_probe.status == 401, "the revoked token still works"
    users = {role: who[name]["user"] for name, role in
             [("admin", "admin"), ("coord", "coordinator"), ("moa", "agency"), ("ln", "province"), ("obs", "observer")]}
    by_role = {"admin": who["admin"], "coordinator": who["coord"], "agency": who["moa"],
               "province": who["ln"], "observer": who["obs"]}
    for method, pattern, allowed in test_permissions.TABLE:
        if allowed == test_permissions.PUBLIC:
            continue
        path = test_permissions.concrete(pattern, users)
        body = {"status": "completed", "role": "admin"} if method in ("POST", "PATCH", "PUT") else None
        for name, headers in tokens.items():
            r = send(d, {"headers": headers}, method, path, body=body)
            count(family, meaning, answer_held(r, {401}), f"{name}: {method} {path} -> {r and r.status}")
        for role, caller in by_role.items():
            if role in allowed or (method, pattern) == ("DELETE", "/api/v1/sessions/current"):
                continue
            r = send(d, caller, method, path, body=body)
            count(family, meaning, answer_held(r, {403}), f"{role}: {method} {path} -> {r and r.status}")
    count(family, meaning, fingerprint() == before, "state changed")
    assert_family_held(family)


# --------------------------------------------------------------------------
# Writes aimed at objects of another agency, province or office


def test_writes_to_other_units_objects_are_404(d, who):
    family = "object scope"
    meaning = "a write to another agency's task or work item, or another province's report, is 404 as if absent (in a batch: the item named not_found); nothing changed"
    obs = who["obs"]
    # Work items and a report that belong to someone else, made by their rightful owners first.
    sipo_tasks = d.get("/api/v1/tasks?agency=sipo&role=lead&limit=20", headers=obs["headers"]).json()["items"]
    moa_jl = d.get("/api/v1/tasks?agency=moa&province=CN-JL&limit=10", headers=obs["headers"]).json()["items"]
    foreign_tasks = sipo_tasks + moa_jl
    items = []
    for t in sipo_tasks[:5]:
        r = send(d, who["coord"], "POST", f"/api/v1/tasks/{t['id']}/work-items",
                 {"title_zh": "攻击测试：他人的工作事项", "due_date": "2099-12-31", "agency": "sipo"})
        assert r.status == 201, r
        items.append(r.json())
    for _ in range(50):  # a first quarter of a year no other suite (nor an earlier run) uses
        year = 2030 + secrets.randbelow(60)
        period = f"{year}-Q1"
        r = send(d, who["coord"], "POST", "/api/v1/periods",
                 {"code": period, "starts_on": f"{year}-01-01", "ends_on": f"{year}-03-31",
                  "due_on": f"{year}-04-15"})
        if r.status != 409:
            break
    assert r.status == 201, r
    jl_task = d.get("/api/v1/tasks?province=CN-JL&limit=1", headers=obs["headers"]).json()["items"][0]["id"]
    r = send(d, who["jl"], "POST", "/api/v1/reports",
             {"period": period, "summary": "吉林的草稿", "items": [{"task": jl_task, "status": "in_progress",
                                                                 "progress": 10, "narrative": "draft"}]})
    assert r.status == 201, r
    draft = r.json()["id"]

    before = fingerprint()
    for t in foreign_tasks:
        tid, etag = t["id"], t["etag"]
        for body in ({"status": "in_progress"}, {"progress": 100}, {"status": "completed", "note": "x"},
                     {"due_date": "2099-01-01"}):
            r = send(d, who["moa"], "PATCH", f"/api/v1/tasks/{tid}", body, headers={"If-Match": etag})
            count(family, meaning, answer_held(r, {404}), f"moa PATCH task {tid} {body} -> {r and r.status}")
        r = send(d, who["moa"], "POST", "/api/v1/tasks:batch-update",
                 {"items": [{"id": tid, "if_match": etag, "status": "in_progress"}]})
        # A batch is all or nothing: the foreign item is named "not_found" in a 409 (docs/workflow.md).
        named = answer_held(r, {409}) and r.json().get("errors", {}).get("items[0]", "").startswith("not_found")
        count(family, meaning, named, f"moa batch task {tid} -> {r and r.status}")
        r = send(d, who["moa"], "POST", f"/api/v1/tasks/{tid}/files?name=evidence.pdf",
                 raw=b"%PDF-1.4\n%%EOF\n", headers={"Content-Type": "application/pdf"})
        count(family, meaning, answer_held(r, {404}), f"moa file on task {tid} -> {r and r.status}")
    for item in items:
        etag = d.get(f"/api/v1/work-items/{item['id']}", headers=obs["headers"]).header("ETag")
        for name in ("moa", "ln"):
            for body in ({"status": "completed"}, {"progress": 100}):
                r = send(d, who[name], "PATCH", f"/api/v1/work-items/{item['id']}", body, headers={"If-Match": etag})
                count(family, meaning, answer_held(r, {404}),
                      f"{name} PATCH work item {item['id']} -> {r and r.status}")
    for method, path, body in [("GET", f"/api/v1/reports/{draft}", None),
                               ("PATCH", f"/api/v1/reports/{draft}", {"summary": "辽宁改写吉林"}),
                               ("POST", f"/api/v1/reports/{draft}/submit", {"comment": "辽宁代交"}),
                               ("POST", f"/api/v1/reports/{draft}/revisions", {"comment": "辽宁冒充吉林"})]:
        r = send(d, who["ln"], method, path, body)
        count(family, meaning, answer_held(r, {404}), f"ln {method} {path} -> {r and r.status}")
    count(family, meaning, fingerprint() == before, "state changed")
    assert_family_held(family)


# --------------------------------------------------------------------------
# Hostile values in every documented parameter


def spec():
    return yaml.safe_load((ptutil.ROOT / "api" / "openapi.yaml").read_text(encoding="utf-8"))


def resolve(s, node):
    while isinstance(node, dict) and "$ref" in node:
        target = s
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def operations(s):
    for path, ops in s["paths"].items():
        shared = ops.get("parameters", [])
        for method, op in ops.items():
            if method == "parameters":
                continue
            params = [resolve(s, p) for p in op.get("parameters", []) + shared]
            yield method.upper(), path, op, params


def sample_path(path, who):
    users = {"observer": who["obs"]["user"]}
    return test_permissions.concrete(path, users) if path.startswith("/api/v1") else \
        path.replace("{name}", "app.js")


def test_hostile_query_and_path_parameters(d, who):
    family = "injected parameters"
    meaning = "each hostile value in each query and path parameter of every read: no 5xx, a problem for every 4xx, nothing changed"
    s = spec()
    before = fingerprint()
    for method, path, op, params in operations(s):
        if method != "GET":
            continue
        base = sample_path(path, who)
        for p in params:
            if p.get("in") == "query":
                for value in HOSTILE:
                    q = urllib.parse.urlencode({p["name"]: value})
                    r = send(d, who["obs"], "GET", f"{base}?{q}")
                    count(family, meaning, answer_held(r), f"GET {base}?{q[:80]} -> {r and r.status}")
            elif p.get("in") == "path":
                for value in HOSTILE:
                    concrete = path.replace("{" + p["name"] + "}", urllib.parse.quote(value, safe=""))
                    concrete = sample_path(concrete, who)
                    r = send(d, who["obs"], "GET", concrete)
                    count(family, meaning, answer_held(r, set(range(200, 500))),
                          f"GET {concrete[:100]} -> {r and r.status}")
    count(family, meaning, fingerprint() == before, "state changed")
    assert_family_held(family)


def body_fields(s, op):
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return []
    schema = resolve(s, content.get("schema", {}))
    fields = list(schema.get("properties", {}).keys())
    return fields or ["_"]


# Who sends each write's hostile bodies: a caller the table allows, so the
# values reach the checks behind the permission.
WRITER = {"admin": "admin", "coordinator": "coord", "agency": "moa", "province": "ln"}


def test_hostile_body_fields(d, who, migrated_db):
    family = "injected body fields"
    meaning = "each hostile JSON value in each documented body field of every write, sent by a permitted role: no 5xx, a problem for every 4xx"
    s = spec()
    # The admin's changes to /users/{username} land on a user of their own.
    users = {"observer": ptutil.make_user(migrated_db, "observer")}
    allowed = {(m, p): a for m, p, a in test_permissions.TABLE}
    moa_task = d.get("/api/v1/tasks?agency=moa&province=CN-LN&role=lead&limit=1",
                     headers=who["obs"]["headers"]).json()["items"][0]["id"]
    for method, path, op, params in operations(s):
        if method not in ("POST", "PATCH", "PUT") or (method, path) not in allowed:
            continue
        roles = allowed[(method, path)]
        if roles == test_permissions.PUBLIC:
            caller = None
        else:
            caller = who[next(WRITER[r] for r in ("coordinator", "admin", "agency", "province") if r in roles)]
        concrete = test_permissions.concrete(path, users).replace("/tasks/1", f"/tasks/{moa_task}")
        headers = {}
        if any(p.get("name") == "If-Match" for p in params):
            got = send(d, who["obs"], "GET", concrete)
            headers["If-Match"] = (got and got.header("ETag")) or '"1"'
        for field in body_fields(s, op):
            for value in HOSTILE_JSON:
                body = {field: value}
                r = send(d, caller, method, concrete, body, headers=dict(headers))
                count(family, meaning, answer_held(r), f"{method} {concrete} {field}={str(value)[:40]!r} -> "
                                                       f"{r and r.status}")
                if r is not None and r.status < 300 and "ETag" in headers:
                    headers["If-Match"] = r.header("ETag") or headers["If-Match"]
            r = send(d, caller, method, concrete, raw=b'{"' + field.encode() + b'": "\xff\xfe"}',
                     headers=dict(headers))
            count(family, meaning, answer_held(r, set(range(400, 500))), f"{method} {concrete} invalid UTF-8")
    assert_family_held(family)


# --------------------------------------------------------------------------
# Framing and smuggling on the wire

GET_HEALTH = b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
SMUGGLED = b"GET /api/v1/users HTTP/1.1\r\nHost: x\r\n\r\n"

FRAMING = [
    ("CL and TE", b"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED),
    ("TE and CL", b"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                  b"Content-Length: 40\r\n\r\n0\r\n\r\n" + SMUGGLED),
    ("two Content-Lengths", b"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                            b"Content-Length: 44\r\n\r\n" + SMUGGLED),
    ("Content-Length list", b"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 0, 44\r\n\r\n" + SMUGGLED),
    ("TE: chunked, identity", b"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity"
                              b"\r\n\r\n0\r\n\r\n" + SMUGGLED),
    ("TE: xchunked", b"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"),
    ("TE with space before colon", b"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n"
                                   b"\r\n0\r\n\r\n" + SMUGGLED),
    ("TE obs-fold", b"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n"),
    ("TE in HTTP/1.0", b"POST /api/v1/sessions HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    ("negative Content-Length", b"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"),
    ("huge Content-Length", b"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999"
                            b"\r\n\r\n"),
    ("Content-Length +4", b"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: +4\r\n\r\n{}{}"),
    ("chunk size overflow", b"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                            b"fffffffffffffffff1\r\nA\r\n0\r\n\r\n"),
    ("chunk size with junk", b"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                             b"2;x=\"\r\nAB\r\n0\r\n\r\n"),
    ("chunk without CRLF", b"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                           b"2\r\nABCD0\r\n\r\n"),
    ("bare LF line ends", b"GET /healthz HTTP/1.1\nHost: x\n\n"),
    ("bare CR in a header", b"GET /healthz HTTP/1.1\r\nHost: x\rX: y\r\n\r\n"),
    ("NUL in a header", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n"),
    ("NUL in the target", b"GET /healthz\x00/x HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("space in the target", b"GET /api/v1/me /x HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("absolute-form elsewhere", b"GET http://evil.example/api/v1/users HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("header without colon", b"GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n"),
    ("header name with space", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX Y: z\r\n\r\n"),
    ("leading whitespace line", b"GET /healthz HTTP/1.1\r\n Host: x\r\n\r\n"),
    ("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
    ("HTTP/0.9", b"GET /healthz\r\n\r\n"),
    ("HTTP/1.2", b"GET /healthz HTTP/1.2\r\nHost: x\r\n\r\n"),
    ("HTTP/9.9", b"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n"),
    ("lower-case version", b"GET /healthz http/1.1\r\nHost: x\r\n\r\n"),
    ("unknown method", b"BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("CONNECT", b"CONNECT 127.0.0.1:5432 HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("TRACE", b"TRACE / HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("header of 64 KiB", GET_HEALTH + b"X-Big: " + b"a" * 65536 + b"\r\n\r\n"),
    ("1,000 headers", GET_HEALTH + b"".join(b"X-%d: y\r\n" % i for i in range(1000)) + b"\r\n"),
    ("request line of 64 KiB", b"GET /" + b"a" * 65536 + b" HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("GET with a body smuggling", b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 44\r\n\r\n" + SMUGGLED),
    ("two Authorization headers", GET_HEALTH.replace(b"/healthz", b"/api/v1/me")
     + b"Authorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n"),
    ("Expect: 100-continue oversized", b"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                                        b"Content-Length: 999999999\r\n\r\n"),
]


def read_all(sock, limit_s=3.0):
    sock.settimeout(0.3)
    data, deadline = b"", time.monotonic() + limit_s
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            if data:
                break
            continue
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    return data


@pytest.mark.parametrize("name,raw", FRAMING, ids=[n for n, _ in FRAMING])
def test_framing_and_smuggling(d, name, raw):
    family = "framing and smuggling"
    meaning = "a refusal (4xx, 501, 505) or one honest answer; no second request read from the bytes; daemon answers after"
    with socket.create_connection(("127.0.0.1", d.port), timeout=5) as s:
        try:
            s.sendall(raw)
        except OSError:
            pass  # the daemon may close early on an oversized head: that is a refusal
        data = read_all(s)
    statuses = [int(line.split(b" ")[1]) for line in data.split(b"\r\n")
                if line.startswith(b"HTTP/1.") and len(line.split(b" ")) > 1 and line.split(b" ")[1].isdigit()]
    smuggled = any(s == 403 or s == 401 for s in statuses[1:])  # /api/v1/users reached as a second request
    ok = len(statuses) <= 1 and not smuggled and all(s < 500 or s in (501, 505) for s in statuses)
    after = d.get("/healthz")
    count(family, meaning, ok and after.status == 200, f"{name}: statuses {statuses}")
    assert ok and after.status == 200, f"{name}: {statuses} {data[:300]!r}"


# --------------------------------------------------------------------------
# Fuzzed requests


def fuzz_request(rng, routes, tokens):
    method = rng.choice(["GET", "GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS", "get", "G\x01T", "X" * 40])
    path = rng.choice(routes)
    mutations = rng.randrange(4)
    for _ in range(mutations):
        kind = rng.randrange(8)
        if kind == 0:
            path = path.replace("{id}", str(rng.choice([0, -1, 2 ** 63, rng.randrange(10 ** 6)])))
        elif kind == 1:
            path += "?" + "&".join(f"{rng.choice(['limit', 'cursor', 'agency', 'as_of', 'format', 'q', 'x'])}="
                                   f"{urllib.parse.quote(rng.choice(HOSTILE)[:200], safe='')}"
                                   for _ in range(rng.randrange(1, 5)))
        elif kind == 2:
            path = path.replace("/", rng.choice(["//", "/./", "/%2e%2e/", "/%2F", "/\u4e2d"]), 1)
        elif kind == 3:
            at = rng.randrange(len(path) + 1)
            path = path[:at] + "%" + rng.choice(["", "0", "zz", "00", "ff", "C0%AF"]) + path[at:]
        elif kind == 4:
            path = path + "/" + "a" * rng.choice([1, 300, 9000])
        elif kind == 5:
            path = path.replace("{", "").replace("}", "")
        elif kind == 6:
            path = path.upper()
        else:
            path = path + rng.choice([";", "#frag", "?", "&&", "%20"])
    path = path.replace("{", "1").replace("}", "")
    headers = [("Host", "127.0.0.1")]
    token = rng.choice(tokens)
    if token:
        headers.append(("Authorization", token))
    body = b""
    if rng.random() < 0.5:
        kind = rng.randrange(6)
        if kind == 0:
            body = json.dumps({rng.choice(["status", "progress", "note", "items", "code", "username"]):
                               rng.choice(HOSTILE_JSON)}).encode()
        elif kind == 1:
            body = bytes(rng.randrange(256) for _ in range(rng.randrange(200)))
        elif kind == 2:
            body = b"[" * rng.randrange(1, 5000)
        elif kind == 3:
            body = b'{"a":' * 100 + b"1" + b"}" * 100
        elif kind == 4:
            body = json.dumps({"items": [{"id": i, "status": "completed"} for i in range(rng.randrange(300))]}).encode()
        else:
            body = "{\"note\":\"" .encode() + "中文".encode("utf-16") + b"\"}"
        headers.append(("Content-Type", rng.choice(["application/json", "text/plain", "application/json; charset=gbk",
                                                    "multipart/form-data; boundary=x", ""])))
    if rng.random() < 0.1:
        headers.append((rng.choice(["X-Request-Id", "If-Match", "Idempotency-Key", "Accept", "Range"]),
                        rng.choice(HOSTILE)[:300].replace("\r", "").replace("\n", "").replace("\x00", "")))
    if rng.random() < 0.9:
        headers.append(("Content-Length", str(len(body))))
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    return head.encode("utf-8", "surrogatepass") + body, method


def test_fuzzed_requests(d, who, migrated_db):
    family = "fuzzed requests"
    meaning = "random methods, mutated paths, queries, headers and bodies as nobody, a forged token and an observer: no 500, no hang, nothing changed, daemon alive"
    seed = int(os.environ.get("PT_ATTACK_SEED") or secrets.randbits(32))
    rng = random.Random(seed)
    routes = [p for _, p, _, _ in operations(spec())] + ["/", "/healthz", "/assets/app.js", "/nope"]
    # An observer of its own: a fuzzed DELETE /api/v1/sessions/current may sign it out.
    observer = ptutil.bearer(ptutil.issue_token(migrated_db, ptutil.make_user(migrated_db, "observer")))
    tokens = [None, "Bearer pt_" + "A" * 43, observer["Authorization"], "Bearer", "Digest x"]
    before = fingerprint()
    for i in range(FUZZ_REQUESTS):
        raw, method = fuzz_request(rng, routes, tokens)
        with socket.create_connection(("127.0.0.1", d.port), timeout=5) as s:
            try:
                s.sendall(raw)
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            data = read_all(s, limit_s=5.0)
        first = data.split(b"\r\n", 1)[0].split(b" ")
        status = int(first[1]) if len(first) > 1 and first[1].isdigit() else None
        held = status is None or status < 500 or status in (501, 505)
        if status is None:
            # No answer at all is fine only for bytes the daemon refuses to parse
            # (it closes); it must still be alive.
            held = d.get("/healthz").status == 200
        count(family, meaning, held, f"seed {seed} #{i}: {raw[:160]!r} -> {data[:120]!r}")
    count(family, meaning, fingerprint() == before, "state changed")
    count(family, meaning, d.get("/healthz").status == 200, "daemon not answering after the fuzz")
    assert_family_held(family)


# --------------------------------------------------------------------------
# A crowd of heavy dashboards


def test_a_crowd_of_heavy_dashboards(d, who):
    family = "heavy dashboard crowd"
    meaning = f"{CROWD} concurrent uncached matrix requests: each 200 or 503 with Retry-After; /healthz answers meanwhile"
    answers, lock = [], threading.Lock()

    def one(i):
        # A distinct as_of per request keeps every one of them off the cache.
        r = send(d, who["obs"], "GET", f"/api/v1/dashboard/matrix?as_of=2017-{1 + i % 12:02d}-{1 + i % 28:02d}"
                                       f"&format=json&document=ne-ip-2017", timeout=60.0)
        with lock:
            answers.append(r)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(CROWD)]
    for t in threads:
        t.start()
    health = d.get("/healthz", timeout=5.0)
    for t in threads:
        t.join(120)
    for r in answers:
        count(family, meaning, answer_held(r, {200, 503}), f"-> {r and r.status}")
    count(family, meaning, len(answers) == CROWD, "a request never finished")
    count(family, meaning, health.status == 200 and health.elapsed < 1.0, f"healthz {health.status} {health.elapsed}")
    assert_family_held(family)

"""Every role, and nobody, against every route: the permission table, from the
outside. The table below is the expectation; it must also equal the one in
docs/security.md and what GET /api/v1/me tells each role."""

import json
import secrets

import pytest

import ptutil

ROLES = ["admin", "coordinator", "agency", "province", "observer"]
ALL, ADMIN, PUBLIC = set(ROLES), {"admin"}, "public"

# route -> who may call it. Bodies are deliberately invalid for writes, so an
# allowed caller gets 400 and nothing changes; a refused one gets 403 first.
TABLE = [
    ("GET", "/api/v1/openapi.yaml", PUBLIC),
    ("GET", "/api/v1/openapi.json", PUBLIC),
    ("POST", "/api/v1/sessions", PUBLIC),
    ("DELETE", "/api/v1/sessions/current", ALL),
    ("GET", "/api/v1/me", ALL),
    ("PUT", "/api/v1/me/password", ALL),
    ("GET", "/api/v1/users", ADMIN),
    ("POST", "/api/v1/users", ADMIN),
    ("GET", "/api/v1/users/{username}", ADMIN),
    ("PATCH", "/api/v1/users/{username}", ADMIN),
    ("POST", "/api/v1/users/{username}/tokens", ADMIN),
    ("PUT", "/api/v1/users/{username}/node", ADMIN),
    ("GET", "/api/v1/roles", ALL),
    ("GET", "/api/v1/webhooks", ADMIN),
    ("POST", "/api/v1/webhooks", ADMIN),
    ("GET", "/api/v1/webhooks/{id}", ADMIN),
    ("PATCH", "/api/v1/webhooks/{id}", ADMIN),
    ("DELETE", "/api/v1/webhooks/{id}", ADMIN),
    ("GET", "/api/v1/webhooks/{id}/deliveries", ADMIN),
    ("POST", "/api/v1/webhooks/{id}/deliveries/{delivery}/replay", ADMIN),
    ("POST", "/api/v1/webhooks/{id}/ping", ADMIN),
    ("GET", "/api/v1/agencies", ALL),
    ("GET", "/api/v1/agencies/{code}", ALL),
    ("GET", "/api/v1/provinces", ALL),
    ("GET", "/api/v1/provinces/{code}", ALL),
    ("GET", "/api/v1/provinces/{code}/nodes", ALL),
    ("POST", "/api/v1/provinces/{code}/nodes", {"admin", "coordinator"}),
    ("GET", "/api/v1/documents", ALL),
    ("POST", "/api/v1/documents", {"admin", "coordinator"}),
    ("GET", "/api/v1/documents/{id}", ALL),
    ("GET", "/api/v1/documents/{id}/versions", ALL),
    ("GET", "/api/v1/documents/{id}/export", ALL),
    ("GET", "/api/v1/measures", ALL),
    ("GET", "/api/v1/measures/{code}", ALL),
    ("GET", "/api/v1/tasks", ALL),
    ("GET", "/api/v1/tasks/{id}", ALL),
    ("PATCH", "/api/v1/tasks/{id}", {"agency", "coordinator"}),
    ("POST", "/api/v1/tasks:batch-update", {"agency", "coordinator"}),
    ("GET", "/api/v1/tasks/{id}/events", ALL),
    ("POST", "/api/v1/tasks/{id}/receive", {"agency"}),
    ("POST", "/api/v1/tasks/{id}/send-back", {"agency"}),
    ("POST", "/api/v1/tasks/{id}/reassign", {"coordinator"}),
    ("GET", "/api/v1/tasks/{id}/extensions", ALL),
    ("POST", "/api/v1/tasks/{id}/extensions", {"agency"}),
    ("POST", "/api/v1/tasks/{id}/extensions/approve", {"coordinator"}),
    ("POST", "/api/v1/tasks/{id}/extensions/refuse", {"coordinator"}),
    ("POST", "/api/v1/tasks/{id}/files", {"agency", "coordinator"}),
    ("GET", "/api/v1/tasks/{id}/files", ALL),
    ("GET", "/api/v1/tasks/{id}/files/{file_id}", ALL),
    ("GET", "/api/v1/tasks/{id}/work-items", ALL),
    ("POST", "/api/v1/tasks/{id}/work-items", {"admin", "coordinator"}),
    ("GET", "/api/v1/work-items", ALL),
    ("GET", "/api/v1/work-items/{id}", ALL),
    ("PATCH", "/api/v1/work-items/{id}", {"admin", "coordinator", "agency", "province"}),
    ("DELETE", "/api/v1/work-items/{id}", {"admin", "coordinator"}),
    ("GET", "/api/v1/work-items/{id}/events", ALL),
    ("POST", "/api/v1/work-items/{id}/receive", {"agency", "province"}),
    ("POST", "/api/v1/work-items/{id}/send-back", {"agency", "province"}),
    ("GET", "/api/v1/task-statuses", ALL),
    ("GET", "/api/v1/events", ALL),
    ("GET", "/api/v1/periods", ALL),
    ("POST", "/api/v1/periods", {"coordinator"}),
    ("POST", "/api/v1/periods/{code}/close", {"coordinator"}),
    ("POST", "/api/v1/periods/{code}/reopen", {"coordinator"}),
    ("GET", "/api/v1/reports", ALL),
    ("POST", "/api/v1/reports", {"province"}),
    ("GET", "/api/v1/reports/{id}", ALL),
    ("PATCH", "/api/v1/reports/{id}", {"province"}),
    ("POST", "/api/v1/reports/{id}/submit", {"province"}),
    ("POST", "/api/v1/reports/{id}/accept", {"coordinator"}),
    ("POST", "/api/v1/reports/{id}/return", {"coordinator"}),
    ("POST", "/api/v1/reports/{id}/revisions", {"province"}),
    ("GET", "/api/v1/provinces/{code}/node-reports/{period}", ALL),
    ("POST", "/api/v1/provinces/{code}/node-reports/{period}", {"province"}),
    ("POST", "/api/v1/node-reports/{id}/approve", {"province"}),
    ("POST", "/api/v1/node-reports/{id}/return", {"province"}),
    ("GET", "/api/v1/dashboard/summary", ALL),
    ("GET", "/api/v1/dashboard/by-agency", ALL),
    ("GET", "/api/v1/dashboard/by-province", ALL),
    ("GET", "/api/v1/dashboard/by-document", ALL),
    ("GET", "/api/v1/dashboard/by-section", ALL),
    ("GET", "/api/v1/dashboard/matrix", ALL),
    ("GET", "/api/v1/dashboard/overdue", ALL),
    ("GET", "/api/v1/dashboard/overdue-work-items", ALL),
    ("GET", "/api/v1/dashboard/escalations", ALL),
    ("GET", "/api/v1/dashboard/trend", ALL),
    ("GET", "/api/v1/dashboard/reporting-compliance", ALL),
    ("GET", "/api/v1/reminders", ALL),
    ("GET", "/api/v1/escalation-ladder", ALL),
    ("PUT", "/api/v1/escalation-ladder", {"admin", "coordinator"}),
    ("GET", "/api/v1/indicators", ALL),
    ("POST", "/api/v1/indicators", {"coordinator"}),
    ("GET", "/api/v1/indicators/{code}/values", ALL),
    ("PUT", "/api/v1/indicators/{code}/values/{province}/{year}", {"coordinator"}),
    ("GET", "/api/v1/evaluations", ALL),
    ("POST", "/api/v1/evaluations", {"coordinator"}),
    ("GET", "/api/v1/scorecards", ALL),
]

# Routes whose allowed callers get something else than ALLOWED_STATUS says
# for the harmless request sent here: PATCH of a task wants If-Match first.
ALLOWED_STATUS_FOR = {
    ("PATCH", "/api/v1/tasks/{id}"): 428,
    # Objects that do not exist for the harmless request: the role passes, the object is 404.
    ("GET", "/api/v1/reports/{id}"): 404,
    ("GET", "/api/v1/scorecards"): 400,  # it needs ?period=
    ("GET", "/api/v1/dashboard/trend"): 400,  # it needs from and to
    ("GET", "/api/v1/tasks/{id}/files/{file_id}"): 404,
    # An import reports a document's problems, located, as 422.
    ("POST", "/api/v1/documents"): 422,
    ("GET", "/api/v1/work-items/{id}"): 404,
    ("GET", "/api/v1/work-items/{id}/events"): 404,
    # Changes to a work item want If-Match first, as a task's.
    ("PATCH", "/api/v1/work-items/{id}"): 428,
    ("DELETE", "/api/v1/work-items/{id}"): 428,
    # No webhook 999999999: the role passes, the endpoint is 404.
    ("GET", "/api/v1/webhooks/{id}"): 404,
    ("DELETE", "/api/v1/webhooks/{id}"): 404,
    ("GET", "/api/v1/webhooks/{id}/deliveries"): 404,
    ("POST", "/api/v1/webhooks/{id}/deliveries/{delivery}/replay"): 404,
    ("POST", "/api/v1/webhooks/{id}/ping"): 404,
    # No period "{period}".
    ("GET", "/api/v1/provinces/{code}/node-reports/{period}"): 404,
}

# What an allowed caller gets for the request each route is called with here.
ALLOWED_STATUS = {"GET": 200, "POST": 400, "PATCH": 400, "PUT": 400, "DELETE": 204}

SCOPES = {
    "admin": {}, "coordinator": {}, "observer": {},
    "agency": {"agency": "moa", "province": "CN-LN"},
    "province": {"province": "CN-LN"},
}


@pytest.fixture(scope="module")
def d(module_daemons, migrated_db):
    return module_daemons.start(database_url=migrated_db)


@pytest.fixture(scope="module")
def users(migrated_db):
    return {role: ptutil.make_user(migrated_db, role, **SCOPES[role]) for role in ROLES}


def concrete(path, users):
    return (path.replace("{username}", users["observer"]).replace("{code}", "sipo" if "agencies" in path
            else "CN-LN" if "provinces" in path else "1999-Q1" if "periods" in path
            else "patent_growth" if "indicators" in path else "3.1.2")
            .replace("{province}", "CN-LN").replace("{year}", "2017").replace("{file_id}", "999999999")
            .replace("{delivery}", "999999999")
            .replace("{id}", "999999999" if "reports" in path or "work-items/" in path or "webhooks" in path
                     else "1"))


def call(d, method, path, token):
    headers = {"Content-Type": "application/json"}
    if token:
        headers.update(ptutil.bearer(token))
    body = json.dumps({"unexpected": True}).encode() if method in ("POST", "PATCH", "PUT") else None
    return d.request(method, path, headers=headers, body=body)


@pytest.mark.parametrize("method,pattern,allowed", TABLE, ids=[f"{m} {p}" for m, p, _ in TABLE])
def test_every_role_against_the_route(d, migrated_db, users, method, pattern, allowed):
    path = concrete(pattern, users)
    for role in ROLES + [None, "forged"]:
        # A fresh token per call: DELETE /sessions/current revokes the one it is called with.
        token = (ptutil.issue_token(migrated_db, users[role]) if role in ROLES
                 else "pt_" + secrets.token_urlsafe(32)[:43] if role == "forged" else None)
        r = call(d, method, path, token)
        if allowed == PUBLIC:
            want = ALLOWED_STATUS[method]
        elif role not in ROLES:
            want = 401
        elif role in allowed:
            want = ALLOWED_STATUS_FOR.get((method, pattern), ALLOWED_STATUS[method])
        else:
            want = 403
        assert r.status == want, f"{role or 'nobody'}: {method} {path} -> {r.status}, want {want}: {r.body[:200]!r}"
        if want >= 400:
            ptutil.assert_problem(r, want)


def test_me_lists_exactly_the_table_row(d, migrated_db, users):
    for role in ROLES:
        token = ptutil.issue_token(migrated_db, users[role])
        got = set(d.get("/api/v1/me", headers=ptutil.bearer(token)).json()["permissions"])
        want = {f"{m} {p}" for m, p, allowed in TABLE if allowed != PUBLIC and role in allowed}
        assert got == want, role


def test_docs_security_has_the_same_table():
    text = (ptutil.ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    begin, end = "<!-- permissions:begin -->", "<!-- permissions:end -->"
    rows = [line for line in text[text.index(begin):text.index(end)].splitlines() if line.startswith("| `")]
    documented = {}
    for line in rows:
        cells = [c.strip() for c in line.strip("|").split("|")]
        route = cells[0].strip("`")
        documented[route] = ("public" if cells[1] == "public"
                             else {role for role, cell in zip(ROLES, cells[1:]) if cell == "yes"})
    expected = {f"{m} {p}": (allowed if allowed == PUBLIC else set(allowed)) for m, p, allowed in TABLE}
    assert documented == expected


def test_the_table_covers_every_api_route():
    cp = ptutil.run_daemon_once(["--print-routes"])
    served = {line.strip() for line in cp.stdout.splitlines() if " /api/" in line}
    assert served == {f"{m} {p}" for m, p, _ in TABLE}, "a route is missing from the permission table"

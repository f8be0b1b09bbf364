"""A draft report is its province's own until submitted: every dashboard
(the summary, reporting compliance, the reminders) counts a first draft
`missing`, for every role, the drafting province included; only the
province's office sees the draft itself, in its reports. A report once filed
never shows as missing: a returned one being edited stays returned, an
accepted one being corrected stays accepted."""

import json

import pytest

import ptutil

PERIOD = "2098-Q1"


@pytest.fixture(scope="module")
def db():
    with ptutil.fresh_database() as db:
        ptutil.migrate(db.owner_url)
        # The current period (the latest that has started), due in three days.
        ptutil.psql(db.owner_url, f"INSERT INTO periods (code, starts_on, ends_on, due_on) "
                                  f"VALUES ('{PERIOD}', current_date - 1, current_date, current_date + 3);")
        yield db


@pytest.fixture(scope="module")
def d(module_daemons, db):
    return module_daemons.start(database_url=db.app_url)


@pytest.fixture(scope="module")
def who(db):
    specs = {"ln": ("province", {"province": "CN-LN"}), "jl": ("province", {"province": "CN-JL"}),
             "hl": ("province", {"province": "CN-HL"}),
             "coord": ("coordinator", {}), "obs": ("observer", {}), "moa": ("agency", {"agency": "moa"}),
             "admin": ("admin", {})}
    return {name: ptutil.bearer(ptutil.issue_token(db.app_url, ptutil.make_user(db.app_url, role, **scope)))
            for name, (role, scope) in specs.items()}


def get(d, headers, path):
    r = d.get(path, headers=headers)
    assert r.status == 200, r
    return r.json()


def standing(d, headers):
    """What the three dashboards say of Liaoning for the period."""
    summary = get(d, headers, "/api/v1/dashboard/summary")["reports"]
    assert summary["period"] == PERIOD, summary
    compliance = get(d, headers, f"/api/v1/dashboard/reporting-compliance?period={PERIOD}")
    (p,) = compliance["periods"]
    ln = [x for x in p["provinces"] if x["province"]["code"] == "CN-LN"][0]
    reminders = get(d, headers, "/api/v1/reminders?days=7")["reports"]
    reminded = [x["state"] for x in reminders if x["period"] == PERIOD and x["province"] == "CN-LN"]
    return summary["by_state"], ln["state"], reminded


def test_a_draft_is_missing_on_every_dashboard_for_every_role(d, who):
    tasks = [t["id"] for t in get(d, who["obs"], "/api/v1/tasks?province=CN-LN&limit=2")["items"]]
    items = [{"task": t, "status": "in_progress", "progress": 30, "narrative": "under way"} for t in tasks]
    r = d.request("POST", "/api/v1/reports", headers={**who["ln"], "Content-Type": "application/json"},
                  body=json.dumps({"period": PERIOD, "summary": "half done", "items": items}).encode())
    assert r.status == 201, r
    report = r.json()
    assert report["state"] == "draft"

    for name in ("ln", "jl", "coord", "obs", "moa", "admin"):
        by_state, compliance, reminded = standing(d, who[name])
        assert by_state.get("draft", 0) == 0 and by_state["missing"] == 4, \
            f"{name} sees the summary {by_state}: a draft is not filed"
        assert compliance == "missing", f"{name}: compliance says {compliance}"
        assert reminded == ["missing"], f"{name}: reminders say {reminded}"

    # The province's office alone sees the draft itself.
    mine = get(d, who["ln"], f"/api/v1/reports?period={PERIOD}")["items"]
    assert [x["state"] for x in mine] == ["draft"]
    for name in ("jl", "coord", "obs"):
        assert get(d, who[name], f"/api/v1/reports?period={PERIOD}")["items"] == [], name

    # Submitted, it is the province's report for everyone, on every dashboard alike.
    r = d.request("POST", f"/api/v1/reports/{report['id']}/submit", headers=who["ln"])
    assert r.status == 200, r
    for name in ("ln", "jl", "coord", "obs", "moa", "admin"):
        by_state, compliance, reminded = standing(d, who[name])
        assert (by_state["submitted"], by_state["missing"]) == (1, 3), f"{name}: {by_state}"
        assert compliance == "submitted" and reminded == [], (name, compliance, reminded)


def post(d, headers, path, body=None, method="POST"):
    r = d.request(method, path, headers={**headers, "Content-Type": "application/json"},
                  body=json.dumps(body).encode() if body is not None else None)
    assert r.status in (200, 201), r
    return r.json()


def shown(d, headers, province):
    """(state, filed) in compliance, the reminders' states, the summary's by_state."""
    compliance = get(d, headers, f"/api/v1/dashboard/reporting-compliance?period={PERIOD}")
    row = [x for x in compliance["periods"][0]["provinces"] if x["province"]["code"] == province][0]
    reminders = get(d, headers, "/api/v1/reminders?days=7")["reports"]
    reminded = [x["state"] for x in reminders if x["period"] == PERIOD and x["province"] == province]
    return (row["state"], row["filed"]), reminded, get(d, headers, "/api/v1/dashboard/summary")["reports"]["by_state"]


def test_a_filed_report_never_shows_missing(d, who):
    """A returned report being edited is a draft again, and a correction of an
    accepted report is a new draft: neither makes the province `missing` while
    compliance says it filed (issue 21, item 2)."""
    # Jilin: submitted, returned, edited: it stays returned, for every role.
    jl = post(d, who["jl"], "/api/v1/reports", {"period": PERIOD, "summary": "first", "items": []})
    post(d, who["jl"], f"/api/v1/reports/{jl['id']}/submit")
    post(d, who["coord"], f"/api/v1/reports/{jl['id']}/return", {"comment": "more, please"})
    assert post(d, who["jl"], f"/api/v1/reports/{jl['id']}", {"summary": "second"}, "PATCH")["state"] == "draft"
    # Heilongjiang: accepted, then a correction drafted: the accepted one stands.
    hl = post(d, who["hl"], "/api/v1/reports", {"period": PERIOD, "summary": "done", "items": []})
    post(d, who["hl"], f"/api/v1/reports/{hl['id']}/submit")
    post(d, who["coord"], f"/api/v1/reports/{hl['id']}/accept")
    assert post(d, who["hl"], f"/api/v1/reports/{hl['id']}/revisions")["state"] == "draft"

    for name in ("jl", "hl", "coord", "obs", "moa", "admin"):
        state, reminded, by_state = shown(d, who[name], "CN-JL")
        assert state == ("returned", True) and reminded == ["returned"], (name, state, reminded)
        state, reminded, by_state = shown(d, who[name], "CN-HL")
        assert state == ("accepted", True) and reminded == [], (name, state, reminded)
        assert (by_state["returned"], by_state["accepted"]) == (1, 1), (name, by_state)

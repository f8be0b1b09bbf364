"""A draft report is its province's own until submitted: every dashboard
(the summary, reporting compliance, the reminders) counts it `missing`, for
every role, the drafting province included; only the province's office sees
the draft itself, in its reports."""

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

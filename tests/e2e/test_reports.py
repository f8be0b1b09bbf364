"""Reporting from the outside: periods, filing (idempotent, also under a race),
the review cycle per role, closed periods, immutability and revisions,
discrepancy flags, visibility between provinces, and the compliance view."""

import itertools
import json
import secrets
import threading

import pytest

import ptutil


@pytest.fixture(scope="module")
def d(module_daemons, migrated_db):
    return module_daemons.start(database_url=migrated_db)


@pytest.fixture(scope="module")
def who(migrated_db):
    specs = {"ln": ("province", {"province": "CN-LN"}), "jl": ("province", {"province": "CN-JL"}),
             "coord": ("coordinator", {}), "obs": ("observer", {}), "moa": ("agency", {"agency": "moa"})}
    return {name: ptutil.bearer(ptutil.issue_token(migrated_db, ptutil.make_user(migrated_db, role, **scope)))
            for name, (role, scope) in specs.items()}


def call(d, who, name, method, path, body=None, headers=None):
    h = {**who[name], **(headers or {})}
    data = None
    if body is not None:
        h["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    return d.request(method, path, headers=h, body=data)


_PAST = itertools.count(secrets.randbelow(100))
_FUTURE = itertools.count(secrets.randbelow(100))


def new_period(d, who, due="past"):
    """A month period of its own: one long past (due then), or one due far ahead."""
    n = next(_PAST if due == "past" else _FUTURE)
    year = (2001 + n // 12) if due == "past" else (2060 + n // 12)
    month = n % 12 + 1
    code = f"{year}-{month:02d}"
    due_on = f"{year}-{month:02d}-28" if due == "past" else "2099-12-31"
    r = call(d, who, "coord", "POST", "/api/v1/periods",
             {"code": code, "starts_on": f"{year}-{month:02d}-01", "ends_on": f"{year}-{month:02d}-28",
              "due_on": due_on})
    assert r.status == 201, r
    return code


def province_tasks(d, who, province, n=2):
    r = d.get(f"/api/v1/tasks?province={province}&limit={n}", headers=who["obs"])
    return [t["id"] for t in r.json()["items"]]


def file(d, who, name, period, tasks, key=None, summary="Quarterly progress"):
    items = [{"task": t, "status": "in_progress", "progress": 30, "narrative": "under way"} for t in tasks]
    headers = {"Idempotency-Key": key} if key else None
    return call(d, who, name, "POST", "/api/v1/reports", {"period": period, "summary": summary, "items": items},
                headers)


def act(d, who, name, report, action, comment=None):
    body = {"comment": comment} if comment else None
    return call(d, who, name, "POST", f"/api/v1/reports/{report}/{action}", body)


def test_liaoning_files_is_returned_corrects_and_is_accepted(d, who):
    period = new_period(d, who, due="future")
    tasks = province_tasks(d, who, "CN-LN")
    r = file(d, who, "ln", period, tasks)
    assert r.status == 201, r
    rep = r.json()
    assert rep["state"] == "draft" and rep["allowed_actions"] == ["edit", "submit"]
    assert r.header("Location") == f"/api/v1/reports/{rep['id']}"
    rid = rep["id"]
    assert act(d, who, "ln", rid, "submit").json()["state"] == "submitted"
    ptutil.assert_problem(act(d, who, "coord", rid, "return"), 400)  # a return needs a comment
    r = act(d, who, "coord", rid, "return", "attach the evidence")
    assert r.status == 200 and r.json()["state"] == "returned" and r.json()["review_comment"] == "attach the evidence"
    r = call(d, who, "ln", "PATCH", f"/api/v1/reports/{rid}", {"summary": "Quarterly progress, with evidence"})
    assert r.status == 200 and r.json()["state"] == "draft"
    assert act(d, who, "ln", rid, "submit").json()["state"] == "submitted"
    r = act(d, who, "coord", rid, "accept")
    assert r.status == 200 and r.json()["state"] == "accepted" and r.json()["allowed_actions"] == []
    history = ptutil.event_feed(d, who["obs"])
    kinds = [e["kind"] for e in history if e["subject_type"] == "report" and e["subject_id"] == rid]
    assert kinds == ["report.created", "report.submitted", "report.returned", "report.edited",
                     "report.submitted", "report.accepted"]
    view = d.get(f"/api/v1/dashboard/reporting-compliance?period={period}", headers=who["obs"]).json()
    (p,) = view["periods"]
    assert [x["province"]["code"] for x in p["provinces"]] == ["CN-NM", "CN-LN", "CN-JL", "CN-HL"]
    standing = {x["province"]["code"]: x for x in p["provinces"]}
    assert standing["CN-LN"]["state"] == "accepted" and standing["CN-LN"]["on_time"] is True
    assert standing["CN-JL"]["state"] == "missing" and standing["CN-JL"]["filed"] is False
    assert p["reporting_rate"] == 0.25 and p["on_time_rate"] == 0.25


def test_accepted_reports_are_final_and_revisions_correct_them(d, who):
    period = new_period(d, who, due="future")
    rid = file(d, who, "ln", period, province_tasks(d, who, "CN-LN")).json()["id"]
    act(d, who, "ln", rid, "submit")
    act(d, who, "coord", rid, "accept")
    r = call(d, who, "ln", "PATCH", f"/api/v1/reports/{rid}", {"summary": "changed"})
    assert ptutil.assert_problem(r, 409)["reason"] == "report_accepted"
    r = act(d, who, "ln", rid, "revisions")
    assert r.status == 201, r
    rev = r.json()
    assert rev["revision"] == 2 and rev["revises"] == rid and rev["state"] == "draft"
    assert [x["revision"] for x in rev["revisions"]] == [1, 2]
    old = d.get(f"/api/v1/reports/{rid}", headers=who["coord"]).json()
    assert old["state"] == "accepted" and old["current"] is False
    ptutil.psql(ptutil.migrate_db_url(), f"SELECT 1;")  # the database refuses edits too:
    cp = ptutil.psql(ptutil.migrate_db_url(), f"UPDATE reports SET summary = 'x' WHERE id = {rid};", check=False)
    assert cp.returncode != 0 and "accepted" in cp.stderr


def test_idempotent_filing(d, who):
    period = new_period(d, who)
    tasks = province_tasks(d, who, "CN-LN")
    key = secrets.token_hex(8)
    first = file(d, who, "ln", period, tasks, key)
    again = file(d, who, "ln", period, tasks, key)
    assert first.status == again.status == 201
    assert again.json()["id"] == first.json()["id"] and again.header("Idempotent-Replayed") == "true"
    other = file(d, who, "ln", period, tasks, key, summary="another body")
    ptutil.assert_problem(other, 422)
    dup = file(d, who, "ln", period, tasks, secrets.token_hex(8))
    assert ptutil.assert_problem(dup, 409)["reason"] == "report_exists"


def test_two_concurrent_posts_with_one_key_make_one_report(d, who):
    period = new_period(d, who)
    tasks = province_tasks(d, who, "CN-LN")
    key = secrets.token_hex(8)
    results = []
    barrier = threading.Barrier(2)

    def post():
        barrier.wait()
        results.append(file(d, who, "ln", period, tasks, key))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status for r in results] == [201, 201], results
    assert results[0].json()["id"] == results[1].json()["id"]
    listed = d.get(f"/api/v1/reports?period={period}", headers=who["ln"]).json()["items"]
    assert len(listed) == 1


def test_closed_periods_refuse_filing_and_edits(d, who):
    period = new_period(d, who)
    rid = file(d, who, "ln", period, province_tasks(d, who, "CN-LN")).json()["id"]
    assert call(d, who, "coord", "POST", f"/api/v1/periods/{period}/close").json()["closed"] is True
    assert ptutil.assert_problem(file(d, who, "jl", period, province_tasks(d, who, "CN-JL")), 409)["reason"] == "period_closed"
    r = call(d, who, "ln", "PATCH", f"/api/v1/reports/{rid}", {"summary": "late change"})
    assert ptutil.assert_problem(r, 409)["reason"] == "period_closed"
    assert ptutil.assert_problem(act(d, who, "ln", rid, "submit"), 409)["reason"] == "period_closed"
    # Re-opening needs a reason, which the audit trail keeps as the event's note.
    r = call(d, who, "coord", "POST", f"/api/v1/periods/{period}/reopen")
    assert ptutil.assert_problem(r, 400)["errors"] == {"reason": "is required"}, r
    reason = "辽宁省申请补报材料"
    assert call(d, who, "coord", "POST", f"/api/v1/periods/{period}/reopen",
                {"reason": reason}).json()["closed"] is False
    note = ptutil.psql_value(ptutil.migrate_db_url(),
                             "SELECT note FROM events WHERE kind = 'period.reopened' "
                             f"AND changes->>'period' = '{period}' ORDER BY id DESC LIMIT 1;\n")
    assert note == reason
    assert act(d, who, "ln", rid, "submit").status == 200
    r = call(d, who, "ln", "PATCH", f"/api/v1/reports/{rid}", {"summary": "while submitted"})
    assert ptutil.assert_problem(r, 409)["reason"] == "report_submitted"


def test_provinces_keep_to_their_own(d, who):
    period = new_period(d, who)
    rid = file(d, who, "ln", period, province_tasks(d, who, "CN-LN")).json()["id"]
    # Another province cannot see the draft, edit it, submit it, or file with Liaoning's tasks.
    ptutil.assert_problem(d.get(f"/api/v1/reports/{rid}", headers=who["jl"]), 404)
    ptutil.assert_problem(call(d, who, "jl", "PATCH", f"/api/v1/reports/{rid}", {"summary": "x"}), 404)
    ptutil.assert_problem(act(d, who, "jl", rid, "submit"), 404)
    r = file(d, who, "jl", period, province_tasks(d, who, "CN-LN"))
    assert "items[0].task" in ptutil.assert_problem(r, 400)["errors"]
    assert rid not in [x["id"] for x in d.get("/api/v1/reports?limit=200", headers=who["jl"]).json()["items"]]
    # Coordinators and observers see it once submitted, not before.
    ptutil.assert_problem(d.get(f"/api/v1/reports/{rid}", headers=who["coord"]), 404)
    act(d, who, "ln", rid, "submit")
    assert d.get(f"/api/v1/reports/{rid}", headers=who["obs"]).status == 200
    seen = d.get(f"/api/v1/reports/{rid}", headers=who["jl"])
    assert seen.status == 200 and seen.json()["allowed_actions"] == []
    # Roles that do not file or review are refused by the route.
    ptutil.assert_problem(act(d, who, "ln", rid, "accept"), 403)
    ptutil.assert_problem(file(d, who, "moa", period, []), 403)


def test_discrepancies_are_flagged(d, who):
    period = new_period(d, who)
    tasks = province_tasks(d, who, "CN-LN", n=3)
    items = [{"task": tasks[0], "status": "not_started", "progress": 0},
             {"task": tasks[1], "status": "completed", "progress": 100},
             {"task": tasks[2], "status": "in_progress", "progress": 10}]
    r = call(d, who, "ln", "POST", "/api/v1/reports", {"period": period, "summary": "s", "items": items})
    rep = r.json()
    recorded = {t: d.get(f"/api/v1/tasks/{t}", headers=who["obs"]).json() for t in tasks}
    for item in rep["items"]:
        rec = recorded[item["task"]]
        assert item["recorded"] == {"status": rec["status"], "progress": rec["progress"]}
        assert item["disagrees"] == (item["claimed"]["status"] != rec["status"]
                                     or item["claimed"]["progress"] != rec["progress"])
    assert rep["discrepancies"] == sum(i["disagrees"] for i in rep["items"]) >= 1


def test_compliance_counts_late_and_missing(d, who):
    period = new_period(d, who, due="past")  # long past: a submission now is late
    rid = file(d, who, "ln", period, province_tasks(d, who, "CN-LN")).json()["id"]
    act(d, who, "ln", rid, "submit")
    view = d.get(f"/api/v1/dashboard/reporting-compliance?period={period}", headers=who["obs"]).json()
    standing = {x["province"]["code"]: x for x in view["periods"][0]["provinces"]}
    assert standing["CN-LN"]["filed"] is True and standing["CN-LN"]["on_time"] is False
    assert standing["CN-LN"]["days_late"] > 3000
    assert standing["CN-HL"]["state"] == "missing" and standing["CN-HL"]["days_late"] > 3000
    assert view["periods"][0]["reporting_rate"] == 0.25 and view["periods"][0]["on_time_rate"] == 0
    everything = d.get("/api/v1/dashboard/reporting-compliance", headers=who["obs"]).json()
    assert period in [p["period"] for p in everything["periods"]] and "reporting_rate" in everything
    reminders = d.get("/api/v1/reminders?days=7", headers=who["obs"]).json()
    late = [x for x in reminders["reports"] if x["period"] == period]
    assert {x["province"] for x in late} == {"CN-NM", "CN-JL", "CN-HL"}
    assert all(x["level"] == "overdue" and x["level_zh"] == "催办" for x in late)


@pytest.mark.parametrize("body,field", [
    ({"period": "2017-Q5", "summary": "s", "items": []}, "period"),
    ({"period": "2017-Q2", "items": []}, "summary"),
    ({"period": "2017-Q2", "summary": "s", "items": [{"task": 1, "status": "done", "progress": 1}]}, "items[0].status"),
    ({"period": "2017-Q2", "summary": "s", "items": [{"task": 1, "status": "blocked", "progress": 101}]}, "items[0].progress"),
    ({"period": "2017-Q2", "summary": "s", "items": [{"task": "a", "status": "blocked", "progress": 1}]}, "items[0].task"),
    ({"period": "2017-Q2", "summary": "s", "items": [], "state": "accepted"}, "state"),
])
def test_bad_reports_are_400(d, who, body, field):
    problem = ptutil.assert_problem(call(d, who, "ln", "POST", "/api/v1/reports", body), 400)
    assert field in problem["errors"], problem


def test_periods_validation(d, who):
    for body, field in [({"code": "2017-Q9", "starts_on": "2017-01-01", "ends_on": "2017-03-31", "due_on": "2017-04-15"}, "code"),
                        ({"code": "2017-Q1", "starts_on": "2017-02-30", "ends_on": "2017-03-31", "due_on": "2017-04-15"}, "starts_on"),
                        ({"code": "2017-Q1", "starts_on": "2017-04-01", "ends_on": "2017-03-31", "due_on": "2017-04-15"}, "ends_on")]:
        problem = ptutil.assert_problem(call(d, who, "coord", "POST", "/api/v1/periods", body), 400)
        assert field in problem["errors"], (body, problem)
    ptutil.assert_problem(call(d, who, "ln", "POST", "/api/v1/periods", {}), 403)
    code = new_period(d, who)
    r = call(d, who, "coord", "POST", "/api/v1/periods",
             {"code": code, "starts_on": code + "-01", "ends_on": code + "-28", "due_on": "2099-12-31"})
    assert ptutil.assert_problem(r, 409)["reason"] == "period_exists"
    assert code in [p["code"] for p in d.get("/api/v1/periods?limit=200", headers=who["obs"]).json()["items"]]


def test_review_fixes(d, who, migrated_db):
    period = new_period(d, who)
    tasks = province_tasks(d, who, "CN-LN")
    dup = [{"task": tasks[0], "status": "blocked", "progress": 1}, {"task": tasks[0], "status": "blocked", "progress": 2}]
    r = call(d, who, "ln", "POST", "/api/v1/reports", {"period": period, "summary": "s", "items": dup})
    assert "items[1].task" in ptutil.assert_problem(r, 400)["errors"]
    r = file(d, who, "ln", period, tasks, key="\u00e9t\u00e9")
    ptutil.assert_problem(r, 400)
    rid = file(d, who, "ln", period, tasks).json()["id"]
    act(d, who, "ln", rid, "submit")
    # Another province meets a 404 whatever it tries on a report not its own.
    ptutil.assert_problem(call(d, who, "jl", "PATCH", f"/api/v1/reports/{rid}", {"summary": "x"}), 404)
    ptutil.assert_problem(act(d, who, "jl", rid, "submit"), 404)
    act(d, who, "coord", rid, "accept")
    # The daemon's role may not write the table at all (migration 0022); even
    # the tables' owner may not change an accepted report (its trigger).
    edit = f"UPDATE reports SET first_submitted_at = now() + interval '1 year' WHERE id = {rid};"
    cp = ptutil.psql(migrated_db, edit, check=False)
    assert cp.returncode != 0 and "permission denied" in cp.stderr
    cp = ptutil.psql(ptutil.migrate_db_url(), edit, check=False)
    assert cp.returncode != 0 and "accepted" in cp.stderr
    ptutil.assert_problem(d.get("/api/v1/reports/%FF", headers=who["obs"]), 400)
    r = call(d, who, "coord", "POST", "/api/v1/periods",
             {"code": "2031-Q1", "starts_on": "2030-01-01", "ends_on": "2030-03-31", "due_on": "2030-04-15"})
    # The dates contradict the code: each is named, with the code's span.
    errors = ptutil.assert_problem(r, 400)["errors"]
    assert set(errors) == {"starts_on", "ends_on"} and "2031-01-01 to 2031-03-31" in errors["starts_on"], errors

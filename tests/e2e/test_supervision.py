"""The supervision loop (督办闭环, issue 20) from the outside, as each role:
a unit receives its task or sends it back with a reason and a coordinator
re-assigns it (签收/退回); a unit asks for a later due date before the
current one and a coordinator grants or refuses it (延期申请), the original
date kept beside the current one; accepting a closure needs evidence, and a
closed task re-opens for a follow-up check (回头看). Every step is an event,
refusals are problem answers that change nothing, and `audit verify` still
finds every task equal to its events.

A database of its own: re-assignment changes who carries a measure."""

import datetime
import json

import pytest

import ptutil


@pytest.fixture(scope="module")
def db():
    with ptutil.fresh_database() as db:
        ptutil.migrate(db.owner_url)
        yield db


@pytest.fixture(scope="module")
def d(module_daemons, db):
    return module_daemons.start(database_url=db.app_url)


@pytest.fixture(scope="module")
def who(db):
    specs = {"coord": ("coordinator", {}), "obs": ("observer", {}), "admin": ("admin", {}),
             "ln": ("province", {"province": "CN-LN"}),
             "most": ("agency", {"agency": "most"}), "sipo": ("agency", {"agency": "sipo"}),
             "ncac": ("agency", {"agency": "ncac"}), "gacc": ("agency", {"agency": "gacc"}),
             "most_jl": ("agency", {"agency": "most", "province": "CN-JL"})}
    out = {}
    for name, (role, scope) in specs.items():
        user = ptutil.make_user(db.app_url, role, **scope)
        out[name] = ptutil.bearer(ptutil.issue_token(db.app_url, user))
    return out


@pytest.fixture(scope="module")
def today(db):
    return datetime.date.fromisoformat(ptutil.psql_value(db.owner_url, "SELECT current_date"))


@pytest.fixture(scope="module")
def most_tasks(d, who):
    """MOST's tasks in Liaoning and Heilongjiang, untouched, one per use."""
    items = [t for p in ("CN-LN", "CN-HL")
             for t in d.get(f"/api/v1/tasks?agency=most&province={p}&limit=200", headers=who["obs"]).json()["items"]]
    return iter([t["id"] for t in items])


def send(d, who, name, method, path, body=None, raw=None, etag=None):
    headers = {"Content-Type": "application/json", **who[name]}
    if etag:
        headers["If-Match"] = etag
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    return d.request(method, path, headers=headers, body=data)


def get(d, who, task, name="obs"):
    return d.get(f"/api/v1/tasks/{task}", headers=who[name]).json()


def act(d, who, name, task, action, body=None):
    return send(d, who, name, "POST", f"/api/v1/tasks/{task}/{action}", body)


def events(d, who, task):
    return d.get(f"/api/v1/tasks/{task}/events?limit=200", headers=who["obs"]).json()["items"]


def set_due(d, who, task, due):
    t = get(d, who, task)
    r = send(d, who, "coord", "PATCH", f"/api/v1/tasks/{task}", {"due_date": due}, etag=t["etag"])
    assert r.status == 200, r


def problem_type(r, status):
    return ptutil.assert_problem(r, status)["type"].rsplit(":", 1)[-1]


# --- receipt and send-back (签收/退回) ---------------------------------------

def test_a_new_task_is_unreceived_until_its_unit_receives_it(d, who, most_tasks):
    task = next(most_tasks)
    t = get(d, who, task, "most")
    assert t["receipt"] == "unreceived" and t["actions"] == ["receive", "send_back"], t
    assert get(d, who, task, "coord")["actions"] == []
    listed = d.get("/api/v1/tasks?agency=most&receipt=unreceived&limit=200", headers=who["obs"]).json()["items"]
    assert task in [x["id"] for x in listed]
    before = d.get("/api/v1/dashboard/summary?agency=most", headers=who["obs"]).json()
    assert before["due_date_basis"] == "current"
    assert before["supervision"]["unreceived"] == before["totals"]["tasks"]

    r = act(d, who, "most", task, "receive")
    assert r.status == 200, r
    assert r.json()["receipt"] == "received" and r.header("ETag") == r.json()["etag"]
    assert "receive" not in r.json()["actions"]
    ev = events(d, who, task)[-1]
    assert ev["kind"] == "task.received" and ev["changes"] == {"receipt": {"from": "unreceived", "to": "received"}}
    after = d.get("/api/v1/dashboard/summary?agency=most", headers=who["obs"]).json()
    assert after["supervision"]["unreceived"] == before["supervision"]["unreceived"] - 1
    listed = d.get("/api/v1/tasks?agency=most&receipt=received", headers=who["obs"]).json()["items"]
    assert [x["id"] for x in listed] == [task]

    # Once is enough; and it is the unit's act, not anyone else's.
    assert problem_type(act(d, who, "most", task, "receive"), 409) == "receipt-state"
    assert problem_type(act(d, who, "sipo", task, "receive"), 404) == "not-found"
    assert problem_type(act(d, who, "most_jl", task, "receive"), 404) == "not-found"  # bound elsewhere
    for name in ("coord", "obs", "admin", "ln"):
        assert act(d, who, name, task, "receive").status == 403, name


def test_a_unit_sends_back_a_task_that_is_not_its_and_the_coordinator_reassigns_it(d, who, db):
    # A task of MOST in Inner Mongolia whose measure another agency carries there too.
    task, other = ptutil.psql_value(db.owner_url, """
        SELECT t.id || ' ' || o.agency_code FROM tasks t
        JOIN tasks o ON o.measure_id = t.measure_id AND o.province_code = t.province_code AND o.id <> t.id
        WHERE t.agency_code = 'most' AND t.province_code = 'CN-NM'
          AND NOT EXISTS (SELECT 1 FROM tasks n WHERE n.measure_id = t.measure_id AND n.agency_code = 'ncac')
        ORDER BY t.id LIMIT 1""").split()
    task = int(task)
    t = get(d, who, task)
    # A reason is required: nothing changes without one.
    for body in (None, {}, {"reason": "  "}):
        r = act(d, who, "most", task, "send-back", body)
        assert "reason" in ptutil.assert_problem(r, 400)["errors"], r
    assert get(d, who, task)["version"] == t["version"]
    r = act(d, who, "most", task, "send-back", {"reason": "版权登记归版权局"})
    assert r.status == 200, r
    assert r.json()["receipt"] == "sent_back" and r.json()["actions"] == []
    ev = events(d, who, task)[-1]
    assert ev["kind"] == "task.sent_back" and ev["note"] == "版权登记归版权局"
    assert problem_type(act(d, who, "most", task, "send-back", {"reason": "again"}), 409) == "receipt-state"
    assert problem_type(act(d, who, "most", task, "receive"), 409) == "receipt-state"
    summary = d.get("/api/v1/dashboard/summary", headers=who["obs"]).json()
    assert summary["supervision"]["sent_back"] >= 1
    queue = d.get("/api/v1/tasks?receipt=sent_back", headers=who["coord"]).json()["items"]
    assert task in [x["id"] for x in queue]
    assert get(d, who, task, "coord")["actions"] == ["reassign"]

    # The coordinator's re-assignment: to an agency that exists, with a
    # reason, not to one that already carries the measure there.
    assert act(d, who, "most", task, "reassign", {"agency": "ncac", "reason": "x"}).status == 403
    r = act(d, who, "coord", task, "reassign", {"agency": "nobody", "reason": "x"})
    assert "agency" in ptutil.assert_problem(r, 400)["errors"]
    r = act(d, who, "coord", task, "reassign", {"agency": "ncac"})
    assert "reason" in ptutil.assert_problem(r, 400)["errors"]
    r = act(d, who, "coord", task, "reassign", {"agency": other, "reason": "x"})
    assert problem_type(r, 409) == "already-assigned" and f"{other} already carries" in r.json()["detail"]
    r = act(d, who, "coord", task, "reassign", {"agency": "ncac", "reason": "x", "province": "CN-JL"})
    assert "province" in ptutil.assert_problem(r, 400)["errors"]
    r = act(d, who, "coord", task, "reassign", {"agency": "ncac", "reason": "版权登记是版权局的职责"})
    assert r.status == 200, r
    moved = r.json()
    assert moved["agency"]["code"] == "ncac" and moved["receipt"] == "unreceived"
    ev = events(d, who, task)[-1]
    assert ev["kind"] == "task.reassigned"
    assert ev["changes"] == {"agency": {"from": "most", "to": "ncac"},
                             "receipt": {"from": "sent_back", "to": "unreceived"}}
    # The catalogue says so: the measure names the agency now, with the reason.
    rationale = ptutil.psql_value(db.owner_url, f"""
        SELECT ma.rationale FROM measure_agencies ma JOIN tasks t ON t.measure_id = ma.measure_id
        WHERE t.id = {task} AND ma.agency_code = 'ncac'""")
    assert "版权登记是版权局的职责" in rationale
    # Now it is the new unit's to receive; the old one no longer sees it as its own.
    assert problem_type(act(d, who, "most", task, "receive"), 404) == "not-found"
    assert act(d, who, "ncac", task, "receive").status == 200
    assert problem_type(act(d, who, "coord", task, "reassign", {"agency": "most", "reason": "x"}), 409) \
        == "receipt-state"


def test_a_coordinator_may_confirm_a_sent_back_task_to_the_same_unit(d, who, most_tasks):
    task = next(most_tasks)
    assert act(d, who, "most", task, "send-back", {"reason": "不是我们的"}).status == 200
    r = act(d, who, "coord", task, "reassign", {"agency": "most", "reason": "按文件分工由科技部牵头"})
    assert r.status == 200 and r.json()["agency"]["code"] == "most" and r.json()["receipt"] == "unreceived"
    assert events(d, who, task)[-1]["changes"] == {"receipt": {"from": "sent_back", "to": "unreceived"}}


def test_once_work_started_the_unit_cannot_send_it_back(d, who, most_tasks):
    task = next(most_tasks)
    t = get(d, who, task)
    r = send(d, who, "most", "PATCH", f"/api/v1/tasks/{task}", {"status": "in_progress"}, etag=t["etag"])
    assert r.status == 200
    r = act(d, who, "most", task, "send-back", {"reason": "x"})
    assert problem_type(r, 409) == "work-started"
    assert get(d, who, task)["receipt"] == "unreceived"


def test_bad_bodies_are_refused_before_anything_changes(d, who, most_tasks):
    task = next(most_tasks)
    version = get(d, who, task)["version"]
    cases = [(b'{"reason": 3}', "reason"), (b'{"color": "red"}', "color"), (b'{"agency": "ncac"}', "agency"),
             (b'{"due_date": "2030-01-01"}', "due_date")]
    for raw, field in cases:
        r = send(d, who, "most", "POST", f"/api/v1/tasks/{task}/send-back", raw=raw)
        assert field in ptutil.assert_problem(r, 400)["errors"], (raw, r)
    assert ptutil.assert_problem(send(d, who, "most", "POST", f"/api/v1/tasks/{task}/receive", raw=b"{"), 400)
    assert problem_type(act(d, who, "most", "x1", "receive"), 404) == "not-found"
    assert problem_type(act(d, who, "most", 99999999, "receive"), 404) == "not-found"
    assert get(d, who, task)["version"] == version


def test_a_work_item_is_received_or_sent_back_by_its_party_and_reassigned_by_naming_it(d, who, most_tasks):
    task = next(most_tasks)
    r = send(d, who, "coord", "POST", f"/api/v1/tasks/{task}/work-items",
             {"title_zh": "海关备案", "due_date": "2031-06-30", "agency": "gacc"})
    assert r.status == 201, r
    item = r.json()
    assert item["receipt"] == "unreceived" and item["actions"] == []
    href = item["href"]
    mine = d.get(href, headers=who["gacc"]).json()
    assert mine["actions"] == ["receive", "send_back"]
    # Only the party carrying it: not the task's agency, not the coordinator.
    assert problem_type(send(d, who, "most", "POST", href + "/receive"), 404) == "not-found"
    assert send(d, who, "coord", "POST", href + "/receive").status == 403
    r = send(d, who, "gacc", "POST", href + "/send-back", {})
    assert "reason" in ptutil.assert_problem(r, 400)["errors"]
    r = send(d, who, "gacc", "POST", href + "/send-back", {"reason": "备案不归海关"})
    assert r.status == 200 and r.json()["receipt"] == "sent_back", r
    assert r.header("ETag") == r.json()["etag"]
    ev = d.get(href + "/events", headers=who["obs"]).json()["items"][-1]
    assert ev["kind"] == "work_item.sent_back" and ev["note"] == "备案不归海关"
    assert problem_type(send(d, who, "gacc", "POST", href + "/receive"), 409) == "receipt-state"
    # The coordinator names another party: unreceived again, for it.
    cur = d.get(href, headers=who["coord"]).json()
    r = send(d, who, "coord", "PATCH", href, {"agency": "ncac"}, etag=cur["etag"])
    assert r.status == 200 and r.json()["receipt"] == "unreceived", r
    ev = d.get(href + "/events", headers=who["obs"]).json()["items"][-1]
    assert ev["changes"]["receipt"] == {"from": "sent_back", "to": "unreceived"}
    assert problem_type(send(d, who, "gacc", "POST", href + "/receive"), 404) == "not-found"
    r = send(d, who, "ncac", "POST", href + "/receive")
    assert r.status == 200 and r.json()["receipt"] == "received"
    # Once work is reported it is no longer sent back.
    cur = r.json()
    assert send(d, who, "ncac", "PATCH", href, {"status": "in_progress"}, etag=cur["etag"]).status == 200
    assert problem_type(send(d, who, "ncac", "POST", href + "/send-back", {"reason": "x"}), 409) == "work-started"


# --- extensions (延期申请) ---------------------------------------------------

def test_an_extension_is_asked_before_the_due_date_and_granted_by_the_coordinator(d, who, most_tasks, today):
    task = next(most_tasks)
    due = (today + datetime.timedelta(days=10)).isoformat()
    later = (today + datetime.timedelta(days=40)).isoformat()
    set_due(d, who, task, due)
    ask = {"due_date": later, "reason": "试点需要跨一个采购周期"}
    # Received first.
    assert problem_type(act(d, who, "most", task, "extensions", ask), 409) == "not-received"
    assert act(d, who, "most", task, "receive").status == 200
    assert "request_extension" in get(d, who, task, "most")["actions"]
    # The new date must be later, and the reason given.
    r = act(d, who, "most", task, "extensions", {"due_date": due, "reason": "x"})
    assert "due_date" in ptutil.assert_problem(r, 400)["errors"]
    r = act(d, who, "most", task, "extensions", {"due_date": later})
    assert "reason" in ptutil.assert_problem(r, 400)["errors"]
    r = act(d, who, "most", task, "extensions", {"due_date": "2030-02-30", "reason": "x"})
    assert "due_date" in ptutil.assert_problem(r, 400)["errors"]
    assert problem_type(act(d, who, "sipo", task, "extensions", ask), 404) == "not-found"
    assert act(d, who, "coord", task, "extensions", ask).status == 403
    assert d.get(f"/api/v1/tasks/{task}/extensions", headers=who["obs"]).json()["items"] == []

    r = act(d, who, "most", task, "extensions", ask)
    assert r.status == 200, r
    t = r.json()
    assert t["due_date"] == due and t["extension"]["state"] == "open"
    assert t["extension"]["requested_due"] == later and t["extension"]["reason"] == ask["reason"]
    assert "request_extension" not in t["actions"]
    assert problem_type(act(d, who, "most", task, "extensions", ask), 409) == "extension-open"
    assert get(d, who, task, "coord")["actions"] == ["approve_extension", "refuse_extension"]
    queue = d.get("/api/v1/tasks?extension=open", headers=who["coord"]).json()["items"]
    assert [x["id"] for x in queue] == [task]
    assert ptutil.assert_problem(d.get("/api/v1/tasks?extension=closed", headers=who["coord"]), 400)
    assert d.get("/api/v1/dashboard/summary", headers=who["obs"]).json()["supervision"]["extensions_open"] == 1

    # The unit does not decide its own request.
    assert act(d, who, "most", task, "extensions/approve").status == 403
    r = act(d, who, "coord", task, "extensions/approve", {"due_date": due})
    assert "due_date" in ptutil.assert_problem(r, 400)["errors"]
    r = act(d, who, "coord", task, "extensions/approve", {"reason": "同意"})
    assert r.status == 200, r
    t = r.json()
    assert t["due_date"] == later and t["due_date_original"] == due and t["extension"] is None
    ev = events(d, who, task)
    assert [e["kind"] for e in ev[-2:]] == ["extension.requested", "extension.approved"]
    assert ev[-1]["changes"]["due_date"] == {"from": due, "to": later}
    listed = d.get(f"/api/v1/tasks/{task}/extensions", headers=who["obs"]).json()
    assert listed["due_date_original"] == due and listed["items"][0]["state"] == "approved"
    assert listed["items"][0]["granted_due"] == later and listed["items"][0]["previous_due"] == due
    assert problem_type(act(d, who, "coord", task, "extensions/approve"), 409) == "no-open-extension"

    # A second request, refused with a reason: the date stays; the original stays the first.
    even_later = (today + datetime.timedelta(days=90)).isoformat()
    assert act(d, who, "most", task, "extensions", {"due_date": even_later, "reason": "再延"}).status == 200
    r = act(d, who, "coord", task, "extensions/refuse")
    assert "reason" in ptutil.assert_problem(r, 400)["errors"]
    r = act(d, who, "coord", task, "extensions/refuse", {"reason": "不再延期"})
    assert r.status == 200 and r.json()["due_date"] == later and r.json()["due_date_original"] == due
    assert events(d, who, task)[-1]["kind"] == "extension.refused"
    assert [x["state"] for x in d.get(f"/api/v1/tasks/{task}/extensions", headers=who["obs"]).json()["items"]] \
        == ["refused", "approved"]
    assert problem_type(act(d, who, "coord", task, "extensions/refuse", {"reason": "x"}), 409) == "no-open-extension"
    # A coordinator may grant a date of its own choosing.
    assert act(d, who, "most", task, "extensions", {"due_date": even_later, "reason": "三延"}).status == 200
    r = act(d, who, "coord", task, "extensions/approve", {"due_date": (today + datetime.timedelta(days=60)).isoformat()})
    assert r.json()["due_date"] == (today + datetime.timedelta(days=60)).isoformat()
    assert r.json()["due_date_original"] == due


def test_no_extension_after_the_due_date_without_one_or_once_done(d, who, most_tasks, today):
    task = next(most_tasks)
    assert act(d, who, "most", task, "receive").status == 200
    ask = {"due_date": (today + datetime.timedelta(days=30)).isoformat(), "reason": "x"}
    set_due(d, who, task, (today - datetime.timedelta(days=1)).isoformat())
    r = act(d, who, "most", task, "extensions", ask)
    assert problem_type(r, 409) == "past-due" and "was due" in r.json()["detail"]
    t = get(d, who, task)
    r = send(d, who, "coord", "PATCH", f"/api/v1/tasks/{task}", {"due_date": None}, etag=t["etag"])
    assert r.status == 200
    assert problem_type(act(d, who, "most", task, "extensions", ask), 409) == "no-due-date"
    set_due(d, who, task, today.isoformat())  # due today: still in time
    t = get(d, who, task)
    for status in ("in_progress", "completed"):
        r = send(d, who, "most", "PATCH", f"/api/v1/tasks/{task}", {"status": status}, etag=t["etag"])
        assert r.status == 200, r
        t = r.json()
    assert problem_type(act(d, who, "most", task, "extensions", ask), 409) == "task-done"


# --- formal closure (办结) and the follow-up check (回头看) -------------------

def test_closure_needs_evidence_and_the_coordinators_review_and_reopens_for_a_follow_up(d, who, most_tasks):
    task = next(most_tasks)
    t = get(d, who, task)
    for status in ("in_progress", "completed"):
        t = send(d, who, "most", "PATCH", f"/api/v1/tasks/{task}", {"status": status}, etag=t["etag"]).json()
    # The unit may not close it itself; the coordinator may not without evidence.
    r = send(d, who, "most", "PATCH", f"/api/v1/tasks/{task}", {"status": "verified"}, etag=t["etag"])
    assert problem_type(r, 409) == "role-may-not-transition"
    r = send(d, who, "coord", "PATCH", f"/api/v1/tasks/{task}", {"status": "verified"}, etag=t["etag"])
    assert problem_type(r, 409) == "evidence-required" and "evidence" in r.json()["errors"], r.json()
    assert get(d, who, task)["status"] == "completed"
    # Refusing the closure sends it back to work, with a reason.
    r = send(d, who, "coord", "PATCH", f"/api/v1/tasks/{task}", {"status": "in_progress"}, etag=t["etag"])
    assert problem_type(r, 409) == "note-required"
    r = send(d, who, "coord", "PATCH", f"/api/v1/tasks/{task}",
             {"status": "in_progress", "note": "缺验收报告"}, etag=t["etag"])
    assert r.status == 200
    t = send(d, who, "most", "PATCH", f"/api/v1/tasks/{task}",
             {"status": "completed", "evidence": [{"title": "验收报告", "url": "https://example.org/a.pdf"}]},
             etag=r.json()["etag"]).json()
    # Evidence sent with the closure itself counts too.
    r = send(d, who, "coord", "PATCH", f"/api/v1/tasks/{task}", {"status": "verified", "note": "通过"},
             etag=t["etag"])
    assert r.status == 200 and r.json()["status"] == "verified", r
    # 回头看: re-opened with a reason, by the coordinator.
    r2 = send(d, who, "coord", "PATCH", f"/api/v1/tasks/{task}", {"status": "in_progress"}, etag=r.json()["etag"])
    assert problem_type(r2, 409) == "note-required"
    r2 = send(d, who, "coord", "PATCH", f"/api/v1/tasks/{task}",
              {"status": "in_progress", "note": "回头看：抽查发现问题"}, etag=r.json()["etag"])
    assert r2.status == 200 and r2.json()["status"] == "in_progress"
    assert events(d, who, task)[-1]["note"] == "回头看：抽查发现问题"


def test_an_attached_file_is_evidence_for_the_closure(d, who, most_tasks):
    task = next(most_tasks)
    t = get(d, who, task)
    for status in ("in_progress", "completed"):
        t = send(d, who, "most", "PATCH", f"/api/v1/tasks/{task}", {"status": status}, etag=t["etag"]).json()
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    r = d.request("POST", f"/api/v1/tasks/{task}/files?name=report.pdf",
                  headers={"Content-Type": "application/pdf", **who["most"]}, body=pdf)
    assert r.status == 201, r
    r = send(d, who, "coord", "PATCH", f"/api/v1/tasks/{task}", {"status": "verified"}, etag=t["etag"])
    assert r.status == 200, r


def test_the_workflow_says_what_closure_needs(d, who):
    r = d.get("/api/v1/task-statuses", headers=who["obs"]).json()
    edges = {(x["from"], x["to"]): x for x in r["transitions"]}
    assert edges[("completed", "verified")]["evidence_needed"] == 1
    assert edges[("in_progress", "completed")]["evidence_needed"] == 0


# --- the trail -----------------------------------------------------------------

def test_audit_verify_replays_receipt_agency_and_extensions(d, who, db):
    cp = ptutil.run_cli(["audit", "verify", "--database-url", db.app_url])
    assert cp.returncode == 0, cp.stdout + cp.stderr
    # A receipt changed without its event is found.
    task = ptutil.psql_value(db.owner_url, "SELECT min(id) FROM tasks WHERE receipt = 'received'")
    ptutil.psql(db.owner_url, f"UPDATE tasks SET receipt = 'unreceived' WHERE id = {task}")
    cp = ptutil.run_cli(["audit", "verify", "--database-url", db.app_url])
    assert cp.returncode != 0 and f"task {task}: receipt is 'unreceived'" in cp.stdout, cp.stdout
    ptutil.psql(db.owner_url, f"UPDATE tasks SET receipt = 'received' WHERE id = {task}")

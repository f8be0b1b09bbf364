"""Decomposition (分解) from the outside: a coordinator splits a task into work
items with their own due dates and responsible agency or provincial office;
the task's status and progress roll up from them; direct changes to a split
task are refused; the items' events join the task's history and the hash
chain; overdue items reach the dashboard and the reminders; the dashboards
"as of" today agree with the live ones; bad input changes nothing.

The tasks used are MIIT's, which no other module changes."""

import datetime
import json

import pytest

import ptutil

FAR = "2031-06-30"


@pytest.fixture(scope="module")
def d(module_daemons, migrated_db):
    return module_daemons.start(database_url=migrated_db)


@pytest.fixture(scope="module")
def who(migrated_db):
    """Tokens by name: coord, admin, obs, miit (unbound), miit_ln (bound to
    Liaoning), sipo, and the provincial offices jl (Jilin) and hl (Heilongjiang)."""
    specs = {"coord": ("coordinator", {}), "admin": ("admin", {}), "obs": ("observer", {}),
             "miit": ("agency", {"agency": "miit"}), "miit_ln": ("agency", {"agency": "miit", "province": "CN-LN"}),
             "sipo": ("agency", {"agency": "sipo"}),
             "jl": ("province", {"province": "CN-JL"}), "hl": ("province", {"province": "CN-HL"})}
    out = {}
    for name, (role, scope) in specs.items():
        user = ptutil.make_user(migrated_db, role, **scope)
        out[name] = {"headers": ptutil.bearer(ptutil.issue_token(migrated_db, user)), "username": user}
    return out


def supply(d, who, province):
    """MIIT's tasks in a province, untouched (not started, never split), one per use."""
    ids, path = [], f"/api/v1/tasks?agency=miit&province={province}&status=not_started&limit=200"
    while path:
        page = d.get(path, headers=who["obs"]["headers"]).json()
        ids += [t["id"] for t in page["items"] if t["work_items"] == 0 and t["progress"] == 0]
        path = page["next"]
    return iter(ids)


@pytest.fixture(scope="module")
def jl_tasks(d, who):
    return supply(d, who, "CN-JL")


@pytest.fixture(scope="module")
def hl_tasks(d, who):
    return supply(d, who, "CN-HL")


@pytest.fixture(scope="module")
def target(d, who):
    """One task with one item, for the bad input that must change neither."""
    task = next(supply(d, who, "CN-NM"))
    r = split(d, who, task, item_body())
    assert r.status == 201, r
    return task, r.json()


@pytest.fixture(scope="module")
def today(migrated_db):
    """The database's today: the day the dashboards count from."""
    return datetime.date.fromisoformat(ptutil.psql_value(migrated_db, "SELECT current_date"))


def send(d, who, name, method, path, body=None, etag=None, raw=None):
    headers = {"Content-Type": "application/json", **who[name]["headers"]}
    if etag is not None:
        headers["If-Match"] = etag
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    return d.request(method, path, headers=headers, body=data)


def split(d, who, task, body, name="coord"):
    return send(d, who, name, "POST", f"/api/v1/tasks/{task}/work-items", body)


def item_body(**extra):
    return {"title_zh": "制定工作方案", "due_date": FAR, "agency": "miit", **extra}


def change(d, who, name, item, body, etag=None):
    if etag is None:
        etag = d.get(f"/api/v1/work-items/{item}", headers=who["obs"]["headers"]).header("ETag")
    return send(d, who, name, "PATCH", f"/api/v1/work-items/{item}", body, etag)


def task_of(d, who, task, name="obs"):
    r = d.get(f"/api/v1/tasks/{task}", headers=who[name]["headers"])
    assert r.status == 200, r
    return r.json()


def items_of(d, who, task):
    r = d.get(f"/api/v1/tasks/{task}/work-items", headers=who["obs"]["headers"])
    assert r.status == 200, r
    return r.json()


def history(d, who, task):
    r = d.get(f"/api/v1/tasks/{task}/events?limit=200", headers=who["obs"]["headers"])
    assert r.status == 200, r
    return r.json()["items"]


def test_split_and_roll_up_through_the_workflow(d, who, jl_tasks):
    task = next(jl_tasks)
    before = task_of(d, who, task)
    r = split(d, who, task, item_body(title_zh="完成产业调研", title_en="Survey the industry"))
    assert r.status == 201, r
    a = r.json()
    assert r.header("Location") == f"/api/v1/work-items/{a['id']}" == a["href"]
    assert r.header("ETag") == a["etag"] == '"1"'
    assert (a["task"], a["title_zh"], a["title_en"], a["due_date"]) == (task, "完成产业调研", "Survey the industry", FAR)
    assert a["agency"]["code"] == "miit" and a["office"] is None
    assert (a["status"], a["progress"], a["overdue"], a["sort_order"]) == ("not_started", 0, False, 1)
    b = split(d, who, task, {"title_zh": "组织省内试点", "due_date": FAR, "office": "CN-JL"}).json()
    assert b["office"]["code"] == "CN-JL" and b["agency"] is None and b["sort_order"] == 2

    listed = items_of(d, who, task)
    assert listed["decomposed"] is True and [i["id"] for i in listed["items"]] == [a["id"], b["id"]]
    t = task_of(d, who, task, "coord")
    assert t["work_items"] == 2 and t["allowed_transitions"] == [], "a split task's status is its items'"
    assert t["version"] == before["version"], "two not-started items leave a not-started task as it was"
    # Who may move each item: the party carrying it, and coordinators.
    assert d.get(f"/api/v1/work-items/{a['id']}", headers=who["miit"]["headers"]).json()["allowed_transitions"] \
        == ["in_progress", "blocked"]
    assert d.get(f"/api/v1/work-items/{a['id']}", headers=who["jl"]["headers"]).json()["allowed_transitions"] == []
    assert d.get(f"/api/v1/work-items/{b['id']}", headers=who["jl"]["headers"]).json()["allowed_transitions"] \
        == ["in_progress", "blocked"]
    assert d.get(f"/api/v1/work-items/{b['id']}", headers=who["obs"]["headers"]).json()["allowed_transitions"] == []

    steps = [("miit", a, {"status": "in_progress", "progress": 40, "note": "调研启动"}, "in_progress", 20),
             ("jl", b, {"status": "in_progress", "progress": 60}, "in_progress", 50),
             ("jl", b, {"status": "blocked", "note": "试点资金未到位"}, "blocked", 50),
             ("jl", b, {"status": "in_progress"}, "in_progress", 50),
             ("miit", a, {"status": "completed"}, "in_progress", 80),
             ("jl", b, {"status": "completed", "note": "试点完成"}, "completed", 100),
             ("coord", a, {"status": "verified"}, "completed", 100),
             ("coord", b, {"status": "verified"}, "verified", 100)]
    for name, item, body, status, progress in steps:
        r = change(d, who, name, item["id"], body)
        assert r.status == 200, (name, body, r)
        t = task_of(d, who, task)
        assert (t["status"], t["progress"]) == (status, progress), (name, body)

    events = history(d, who, task)
    assert [(e["subject_type"], e["kind"]) for e in events][:3] == [
        ("work_item", "work_item.created"), ("work_item", "work_item.created"),
        ("work_item", "work_item.status_changed")]
    rolled = [e for e in events if e["kind"] == "task.rolled_up"]
    assert all(e["subject_type"] == "task" and e["subject_id"] == task for e in rolled)
    assert [(e["changes"].get("status", {}).get("to"), e["changes"].get("progress", {}).get("to")) for e in rolled] == [
        ("in_progress", 20), (None, 50), ("blocked", None), ("in_progress", None), (None, 80),
        ("completed", 100), ("verified", None)]
    # Each roll-up follows the item's change it comes from, by the same person, with its note.
    for e in rolled:
        cause = events[events.index(e) - 1]
        assert cause["subject_type"] == "work_item" and cause["actor"] == e["actor"] and cause["note"] == e["note"]
    assert rolled[0]["note"] == "调研启动" and rolled[0]["actor"]["username"] == who["miit"]["username"]
    own = d.get(f"/api/v1/work-items/{b['id']}/events", headers=who["obs"]["headers"]).json()["items"]
    assert [e["kind"] for e in own] == ["work_item.created"] + ["work_item.status_changed"] * 5
    assert own[0]["changes"]["office"] == {"from": None, "to": "CN-JL"}
    assert own[0]["changes"]["task"] == {"from": None, "to": task}


def test_direct_changes_to_a_split_task_are_refused(d, who, jl_tasks):
    task = next(jl_tasks)
    assert split(d, who, task, item_body()).status == 201
    t = task_of(d, who, task, "coord")
    seen = len(history(d, who, task))
    for body in ({"status": "in_progress"}, {"progress": 10}, {"status": "blocked", "note": "x"}):
        r = send(d, who, "coord", "PATCH", f"/api/v1/tasks/{task}", body, t["etag"])
        problem = ptutil.assert_problem(r, 409)
        assert problem["type"].endswith(":decomposed") and "work items" in problem["detail"], problem
    r = send(d, who, "coord", "POST", "/api/v1/tasks:batch-update",
             {"items": [{"id": task, "if_match": t["etag"], "status": "in_progress"}]})
    assert ptutil.assert_problem(r, 409)["errors"]["items[0]"].startswith("decomposed")
    assert task_of(d, who, task, "coord") == t and len(history(d, who, task)) == seen
    # The rest of the task is still the task's own: its due date, for one.
    r = send(d, who, "coord", "PATCH", f"/api/v1/tasks/{task}", {"due_date": "2030-12-31"}, t["etag"])
    assert r.status == 200 and r.json()["due_date"] == "2030-12-31", r


def test_who_may_split_and_change_items(d, who, jl_tasks):
    task = next(jl_tasks)
    for name in ("miit", "jl", "obs", "sipo"):
        ptutil.assert_problem(split(d, who, task, item_body(), name), 403)
    assert items_of(d, who, task)["items"] == []
    ptutil.assert_problem(split(d, who, 99999999, item_body()), 404)
    r = split(d, who, task, item_body(), "admin")
    assert r.status == 201, r
    item = r.json()["id"]
    carried_by_office = split(d, who, task, {"title_zh": "省局配合", "due_date": FAR, "office": "CN-JL"}).json()["id"]

    # Out of scope is 404, as for tasks: another agency, an officer of the
    # agency bound to another province, another province's office.
    for name in ("sipo", "miit_ln", "hl", "jl"):
        ptutil.assert_problem(change(d, who, name, item, {"progress": 5}), 404)
    ptutil.assert_problem(change(d, who, "miit", carried_by_office, {"progress": 5}), 404)
    ptutil.assert_problem(change(d, who, "obs", item, {"progress": 5}), 403)
    # The plan is the coordinators' and admins'.
    r = change(d, who, "miit", item, {"due_date": "2030-01-01"})
    assert "due_date" in ptutil.assert_problem(r, 400)["errors"]
    r = change(d, who, "jl", carried_by_office, {"agency": "miit"})
    assert "agency" in ptutil.assert_problem(r, 400)["errors"]
    # Admins plan but do not report work.
    assert ptutil.assert_problem(change(d, who, "admin", item, {"status": "in_progress"}), 409)["type"] \
        .endswith(":role-may-not-transition")
    assert "progress" in ptutil.assert_problem(change(d, who, "admin", item, {"progress": 5}), 400)["errors"]
    r = change(d, who, "admin", item, {"due_date": "2030-01-01", "title_en": "Plan the work"})
    assert r.status == 200 and r.json()["due_date"] == "2030-01-01", r
    # A coordinator hands the item to the provincial office; the agency then has no say.
    r = change(d, who, "coord", item, {"office": "CN-JL", "note": "由省局承办"})
    assert r.status == 200 and r.json()["agency"] is None and r.json()["office"]["code"] == "CN-JL", r
    ptutil.assert_problem(change(d, who, "miit", item, {"progress": 5}), 404)
    assert change(d, who, "jl", item, {"progress": 5}).status == 200
    own = d.get(f"/api/v1/work-items/{item}/events", headers=who["obs"]["headers"]).json()["items"]
    assert own[-2]["changes"]["agency"] == {"from": "miit", "to": None}
    assert own[-2]["changes"]["office"] == {"from": None, "to": "CN-JL"}


def test_the_task_workflow_holds_for_items(d, who, jl_tasks):
    task = next(jl_tasks)
    item = split(d, who, task, item_body()).json()
    path = f"/api/v1/work-items/{item['id']}"
    ptutil.assert_problem(send(d, who, "miit", "PATCH", path, {"progress": 5}), 428)
    for bad in ['"99"', "*", "1"]:
        ptutil.assert_problem(send(d, who, "miit", "PATCH", path, {"progress": 5}, bad), 412)
    assert send(d, who, "miit", "PATCH", path, {"progress": 5}, '"99"').header("ETag") == item["etag"]

    def kind(r):
        return ptutil.assert_problem(r, 409)["type"].rsplit(":", 1)[1]

    assert kind(change(d, who, "miit", item["id"], {"status": "completed"})) == "transition-not-allowed"
    assert kind(change(d, who, "miit", item["id"], {"status": "blocked"})) == "note-required"
    assert change(d, who, "miit", item["id"], {"status": "in_progress"}).status == 200
    assert "progress" in ptutil.assert_problem(
        change(d, who, "miit", item["id"], {"status": "completed", "progress": 50}), 400)["errors"]
    assert change(d, who, "miit", item["id"], {"status": "completed"}).json()["progress"] == 100
    assert kind(change(d, who, "miit", item["id"], {"progress": 90})) == "progress-locked-when-done"
    assert kind(change(d, who, "miit", item["id"], {"status": "verified"})) == "role-may-not-transition"
    assert kind(change(d, who, "miit", item["id"], {"status": "in_progress"})) == "note-required"
    r = change(d, who, "miit", item["id"], {"status": "in_progress", "note": "发现遗漏，重新办理"})
    assert r.status == 200 and r.json()["last_note"] == "发现遗漏，重新办理"
    t = task_of(d, who, task)
    assert (t["status"], t["progress"]) == ("in_progress", 100)


@pytest.mark.parametrize("raw,field", [
    (b'{"due_date": "2031-06-30", "agency": "miit"}', "title_zh"),
    (b'{"title_zh": "   ", "due_date": "2031-06-30", "agency": "miit"}', "title_zh"),
    ('{"title_zh": "%s", "due_date": "2031-06-30", "agency": "miit"}' % ("长" * 201), "title_zh"),
    (b'{"title_zh": "x", "agency": "miit"}', "due_date"),
    (b'{"title_zh": "x", "due_date": "2031-02-30", "agency": "miit"}', "due_date"),
    (b'{"title_zh": "x", "due_date": null, "agency": "miit"}', "due_date"),
    (b'{"title_zh": "x", "due_date": "2031-06-30"}', "agency"),
    (b'{"title_zh": "x", "due_date": "2031-06-30", "agency": "miit", "office": "CN-JL"}', "office"),
    (b'{"title_zh": "x", "due_date": "2031-06-30", "agency": "MIIT"}', "agency"),
    (b'{"title_zh": "x", "due_date": "2031-06-30", "agency": "xyz"}', "agency"),
    (b'{"title_zh": "x", "due_date": "2031-06-30", "office": "CN-LN"}', "office"),
    (b'{"title_zh": "x", "due_date": "2031-06-30", "office": "liaoning"}', "office"),
    (b'{"title_zh": "x", "due_date": "2031-06-30", "agency": "miit", "sort_order": 0}', "sort_order"),
    (b'{"title_zh": "x", "due_date": "2031-06-30", "agency": "miit", "status": "in_progress"}', "status"),
    (b'{"title_zh": "x", "due_date": "2031-06-30", "agency": "miit", "note": ""}', "note"),
    (b'{"title_zh": "x", "due_date": "2031-06-30", "agency": "miit", "title_en": ""}', "title_en"),
    (b'[{"title_zh": "x"}]', None),
    (b'{"title_zh": "x", "title_zh": "y", "due_date": "2031-06-30", "agency": "miit"}', None),
])
def test_bad_splits_are_400_and_change_nothing(d, who, target, raw, field):
    task, _ = target
    before, items, seen = task_of(d, who, task), items_of(d, who, task), history(d, who, task)
    r = send(d, who, "coord", "POST", f"/api/v1/tasks/{task}/work-items",
             raw=raw if isinstance(raw, bytes) else raw.encode())
    problem = ptutil.assert_problem(r, 400)
    if field:
        assert field in problem.get("errors", {}), problem
    assert items_of(d, who, task) == items and task_of(d, who, task) == before
    assert history(d, who, task) == seen


@pytest.mark.parametrize("raw,field", [
    (b'{}', "body"),
    (b'{"progress": 101}', "progress"),
    (b'{"progress": "50"}', "progress"),
    (b'{"status": "done"}', "status"),
    (b'{"due_date": null}', "due_date"),
    (b'{"title_zh": ""}', "title_zh"),
    (b'{"agency": "miit", "office": "CN-JL"}', "office"),
    (b'{"agency": null}', "agency"),
    (b'{"colour": "red"}', "colour"),
    (b'{"note": "a\\u0000b"}', None),
])
def test_bad_item_changes_are_400_and_change_nothing(d, who, target, raw, field):
    task, item = target
    before, seen = items_of(d, who, task), history(d, who, task)
    r = send(d, who, "coord", "PATCH", f"/api/v1/work-items/{item['id']}", raw=raw, etag=item["etag"])
    problem = ptutil.assert_problem(r, 400)
    if field:
        assert field in problem.get("errors", {}), problem
    assert items_of(d, who, task) == before and history(d, who, task) == seen


def test_removing_an_item_only_before_work_is_reported(d, who, jl_tasks):
    task = next(jl_tasks)
    a = split(d, who, task, item_body()).json()
    b = split(d, who, task, item_body(title_zh="第二项")).json()
    assert change(d, who, "miit", a["id"], {"status": "in_progress", "progress": 30}).status == 200
    path_a, path_b = f"/api/v1/work-items/{a['id']}", f"/api/v1/work-items/{b['id']}"
    ptutil.assert_problem(send(d, who, "miit", "DELETE", path_b, etag=b["etag"]), 403)
    ptutil.assert_problem(send(d, who, "coord", "DELETE", path_b), 428)
    ptutil.assert_problem(send(d, who, "coord", "DELETE", path_b, etag='"7"'), 412)
    etag_a = d.get(path_a, headers=who["obs"]["headers"]).header("ETag")
    problem = ptutil.assert_problem(send(d, who, "coord", "DELETE", path_a, etag=etag_a), 409)
    assert problem["type"].endswith(":has-history"), problem
    assert (task_of(d, who, task)["status"], task_of(d, who, task)["progress"]) == ("in_progress", 15)

    r = send(d, who, "coord", "DELETE", path_b, etag=b["etag"])
    assert r.status == 204, r
    ptutil.assert_problem(d.get(path_b, headers=who["obs"]["headers"]), 404)
    ptutil.assert_problem(send(d, who, "coord", "DELETE", path_b, etag='"2"'), 404)
    assert [i["id"] for i in items_of(d, who, task)["items"]] == [a["id"]]
    t = task_of(d, who, task)
    assert (t["status"], t["progress"], t["work_items"]) == ("in_progress", 30, 1), "the task rolls up without it"
    kinds = [e["kind"] for e in history(d, who, task)]
    assert kinds[-2:] == ["work_item.removed", "task.rolled_up"]
    own = d.get(path_b + "/events", headers=who["obs"]["headers"]).json()["items"]
    assert [e["kind"] for e in own] == ["work_item.created", "work_item.removed"], "a removed item keeps its history"


def test_a_task_whose_last_item_goes_is_its_own_again(d, who, jl_tasks):
    task = next(jl_tasks)
    item = split(d, who, task, item_body()).json()
    assert task_of(d, who, task, "coord")["allowed_transitions"] == []
    assert send(d, who, "coord", "DELETE", f"/api/v1/work-items/{item['id']}", etag=item["etag"]).status == 204
    t = task_of(d, who, task, "coord")
    assert t["work_items"] == 0 and t["allowed_transitions"] == ["in_progress", "blocked"]
    assert items_of(d, who, task)["decomposed"] is False
    r = send(d, who, "coord", "PATCH", f"/api/v1/tasks/{task}", {"status": "in_progress"}, t["etag"])
    assert r.status == 200, r


def test_splitting_a_done_task_reopens_it_and_needs_a_note(d, who, jl_tasks):
    task = next(jl_tasks)
    for status in ("in_progress", "completed"):
        t = task_of(d, who, task)
        assert send(d, who, "coord", "PATCH", f"/api/v1/tasks/{task}", {"status": status}, t["etag"]).status == 200
    problem = ptutil.assert_problem(split(d, who, task, item_body()), 409)
    assert problem["type"].endswith(":note-required") and "note" in problem["errors"], problem
    assert items_of(d, who, task)["items"] == []
    r = split(d, who, task, item_body(note="验收发现尚缺配套文件"))
    assert r.status == 201, r
    t = task_of(d, who, task)
    assert (t["status"], t["progress"]) == ("not_started", 0)
    last = history(d, who, task)[-1]
    assert last["kind"] == "task.rolled_up" and last["note"] == "验收发现尚缺配套文件"
    assert last["changes"] == {"status": {"from": "completed", "to": "not_started"},
                               "progress": {"from": 100, "to": 0}}


def test_at_most_fifty_items(d, who, jl_tasks):
    task = next(jl_tasks)
    for i in range(50):
        assert split(d, who, task, item_body(title_zh=f"第{i + 1}项")).status == 201
    problem = ptutil.assert_problem(split(d, who, task, item_body()), 409)
    assert problem["type"].endswith(":work-item-limit")
    assert len(items_of(d, who, task)["items"]) == 50


def test_overdue_items_on_the_dashboard_and_in_reminders(d, who, hl_tasks, today):
    task, other = next(hl_tasks), next(hl_tasks)
    late = split(d, who, task, {"title_zh": "报送实施细则", "due_date": str(today - datetime.timedelta(days=5)),
                                "office": "CN-HL"}).json()
    soon = split(d, who, task, item_body(title_zh="召开推进会", due_date=str(today + datetime.timedelta(days=3)))).json()
    split(d, who, other, item_body(title_zh="远期工作", due_date=FAR))
    assert late["overdue"] is True and soon["overdue"] is False

    def overdue(query=""):
        r = d.get("/api/v1/dashboard/overdue-work-items" + query, headers=who["obs"]["headers"])
        assert r.status == 200, r
        return {row["work_item"]: row for row in r.json()["rows"]}

    rows = overdue()
    assert late["id"] in rows and soon["id"] not in rows
    row = rows[late["id"]]
    assert (row["task"], row["office"], row["office_zh"], row["agency"], row["title_zh"]) == \
        (task, "CN-HL", "黑龙江省", None, "报送实施细则")
    assert 4 <= row["days_overdue"] <= 6
    assert late["id"] in overdue("?agency=miit&province=CN-HL") and late["id"] not in overdue("?province=CN-JL")
    ptutil.assert_problem(d.get("/api/v1/dashboard/overdue-work-items?agency=xyz", headers=who["obs"]["headers"]), 400)
    csv = d.get("/api/v1/dashboard/overdue-work-items?format=csv&province=CN-HL", headers=who["obs"]["headers"])
    assert csv.status == 200 and csv.media_type == "text/csv"
    assert "报送实施细则" in csv.body.decode("utf-8-sig")

    def reminded(name):
        r = d.get("/api/v1/reminders?days=7", headers=who[name]["headers"])
        assert r.status == 200, r
        return {x["work_item"]: x for x in r.json()["work_items"]}

    office, agency, coord, sipo = reminded("hl"), reminded("miit"), reminded("coord"), reminded("sipo")
    assert late["id"] in office and soon["id"] not in office, "an office is reminded of what it carries"
    assert (office[late["id"]]["level"], office[late["id"]]["level_zh"]) == ("overdue", "催办")
    assert soon["id"] in agency and late["id"] not in agency
    assert (agency[soon["id"]]["level"], agency[soon["id"]]["level_zh"]) == ("due_soon", "临近提醒")
    assert {late["id"], soon["id"]} <= set(coord) and not ({late["id"], soon["id"]} & set(sipo))
    assert all(x["due_date"] <= str(today + datetime.timedelta(days=8)) for x in coord.values())

    mine = d.get("/api/v1/work-items?mine=true&overdue=true&limit=200", headers=who["hl"]["headers"]).json()
    assert late["id"] in [i["id"] for i in mine["items"]]
    assert all(i["office"]["code"] == "CN-HL" for i in mine["items"])

    # Done, it is neither overdue nor reminded.
    for body in ({"status": "in_progress"}, {"status": "completed"}):
        assert change(d, who, "hl", late["id"], body).status == 200
    assert late["id"] not in overdue() and late["id"] not in reminded("hl")


def test_the_work_item_list(d, who, hl_tasks):
    task = next(hl_tasks)
    item = split(d, who, task, item_body(title_zh="列表项")).json()
    obs = who["obs"]["headers"]
    page = d.get("/api/v1/work-items?agency=miit&status=not_started&limit=200", headers=obs).json()
    ids = [i["id"] for i in page["items"]]
    assert item["id"] in ids and ids == sorted(ids)
    assert d.get("/api/v1/work-items?mine=true", headers=obs).json()["items"] == []
    for query, field in (("status=done", "status"), ("agency=xyz", "agency"), ("office=CN-ZZ", "office"),
                         ("overdue=maybe", "overdue"), ("colour=red", "colour")):
        problem = ptutil.assert_problem(d.get("/api/v1/work-items?" + query, headers=obs), 400)
        assert field in problem["errors"], (query, problem)
    first = d.get("/api/v1/work-items?limit=1", headers=obs).json()
    assert len(first["items"]) == 1 and first["next"]
    ptutil.assert_problem(d.get("/api/v1/work-items/abc", headers=obs), 404)
    ptutil.assert_problem(d.get("/api/v1/work-items/99999999/events", headers=obs), 404)
    ptutil.assert_problem(d.get("/api/v1/tasks/99999999/work-items", headers=obs), 404)


def summary(d, who, query):
    r = d.get("/api/v1/dashboard/by-province?agency=miit" + query, headers=who["obs"]["headers"])
    assert r.status == 200, r
    return r.json()["rows"]


def test_dashboards_as_of_today_agree_with_the_live_ones(d, who, hl_tasks, today, migrated_db):
    task = next(hl_tasks)
    a = split(d, who, task, item_body(due_date=str(today - datetime.timedelta(days=2)))).json()
    b = split(d, who, task, {"title_zh": "省局落实", "due_date": FAR, "office": "CN-HL"}).json()
    assert change(d, who, "miit", a["id"], {"status": "in_progress", "progress": 70}).status == 200
    assert change(d, who, "hl", b["id"], {"status": "blocked", "note": "等待批复"}).status == 200
    t = task_of(d, who, task)
    assert (t["status"], t["progress"]) == ("blocked", 35)
    # The state rebuilt from the audit trail is the task's.
    state = ptutil.psql_value(migrated_db, f"SELECT status || ' ' || progress FROM tasks_as_of(current_date) "
                                           f"WHERE id = {task}")
    assert state == "blocked 35"
    assert summary(d, who, f"&as_of={today}") == summary(d, who, "")
    live_items = d.get("/api/v1/dashboard/overdue-work-items?province=CN-HL", headers=who["obs"]["headers"]).json()
    then = d.get(f"/api/v1/dashboard/overdue-work-items?province=CN-HL&as_of={today}",
                 headers=who["obs"]["headers"]).json()
    assert a["id"] in [r["work_item"] for r in live_items["rows"]]
    assert [r["work_item"] for r in then["rows"]] == [r["work_item"] for r in live_items["rows"]]
    before = d.get(f"/api/v1/dashboard/overdue-work-items?as_of={today - datetime.timedelta(days=1)}",
                   headers=who["obs"]["headers"]).json()
    assert a["id"] not in [r["work_item"] for r in before["rows"]], "an item created today did not exist yesterday"


def test_the_audit_chain_holds_with_items(d, who, migrated_db):
    cp = ptutil.run_cli(["audit", "verify", "--database-url", migrated_db], expect_rc=0)
    assert "intact" in cp.stdout
    kinds = ptutil.psql_value(migrated_db, "SELECT count(*) FROM events WHERE subject_type = 'work_item'")
    assert int(kinds) > 0

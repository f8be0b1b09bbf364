"""The escalation ladder (催办) from the outside: the ladder read by every role
and replaced by coordinators and admins only, with every bad level named in
one 400 and nothing changed; `policytrack escalate --as-of DAY` walking a task
up the ladder day by day (reminder, yellow, red copied to the leader, red
again every N days), once per level however often it runs, concurrently
too; work items likewise; the levels in the task's history, the task JSON,
the task list's filter, the reminders, the dashboard, the scorecard and a webhook; a
new due date starting the ladder again; a done task left alone; the daemon's
timer; and `policytrack audit verify` still green.

The module works in a database of its own: a run judges every open task with
a due date, and other modules' tasks must not get escalations from it."""

import datetime
import http.server
import json
import subprocess
import threading
import time

import pytest

import ptutil

DEFAULT = [
    {"code": "reminder", "label_zh": "提醒", "label_en": "Reminder", "days": -3, "copy_leader": False, "repeat_days": None},
    {"code": "yellow", "label_zh": "黄牌督办", "label_en": "Yellow-card notice", "days": 0, "copy_leader": False, "repeat_days": None},
    {"code": "red", "label_zh": "红牌督办", "label_en": "Red-card notice", "days": 1, "copy_leader": True, "repeat_days": 7},
]


@pytest.fixture(scope="module")
def db():
    with ptutil.fresh_database() as fresh:
        ptutil.migrate(fresh.owner_url)
        yield fresh


@pytest.fixture(scope="module")
def d(module_daemons, db):
    # No timer here: the CLI's runs with --as-of decide what is recorded.
    return module_daemons.start("--escalation-interval-s", "0", database_url=db.app_url)


@pytest.fixture(scope="module")
def who(db):
    specs = {"coord": ("coordinator", {}), "admin": ("admin", {}), "obs": ("observer", {}),
             "most": ("agency", {"agency": "most"}), "miit": ("agency", {"agency": "miit"}),
             "ln": ("province", {"province": "CN-LN"}), "jl": ("province", {"province": "CN-JL"})}
    out = {}
    for name, (role, scope) in specs.items():
        user = ptutil.make_user(db.owner_url, role, **scope)
        out[name] = ptutil.bearer(ptutil.issue_token(db.owner_url, user))
    return out


@pytest.fixture(scope="module")
def today(db):
    return datetime.date.fromisoformat(ptutil.psql_value(db.owner_url, "SELECT current_date"))


def send(d, who, name, method, path, body=None, etag=None):
    headers = {"Content-Type": "application/json", **who[name]}
    if etag is not None:
        headers["If-Match"] = etag
    return d.request(method, path, headers=headers, body=json.dumps(body).encode() if body is not None else None)


def get(d, who, path, name="obs"):
    r = d.get(path, headers=who[name])
    assert r.status == 200, r
    return r.json()


def task_ids(d, who, query):
    return [t["id"] for t in get(d, who, f"/api/v1/tasks?{query}&limit=200")["items"]]


def patch_task(d, who, task, body, name="coord"):
    etag = d.get(f"/api/v1/tasks/{task}", headers=who["obs"]).header("ETag")
    r = send(d, who, name, "PATCH", f"/api/v1/tasks/{task}", body, etag)
    assert r.status == 200, r
    return r.json()


def escalate(db, *args, url=None, expect_rc=0):
    return ptutil.run_cli(["escalate", *args, "--database-url", url or db.owner_url], expect_rc=expect_rc)


def recorded(db, task):
    """(level, repeat) of the task's escalations, in order."""
    out = ptutil.psql(db.owner_url, f"SELECT level || ':' || repeat FROM escalations "
                                    f"WHERE subject_type = 'task' AND subject_id = {task} ORDER BY id").stdout
    return [tuple(x.split(":")) for x in out.split()]


def history(d, who, task):
    return get(d, who, f"/api/v1/tasks/{task}/events?limit=200")["items"]


def test_every_role_reads_the_ladder(d, who):
    for name in who:
        ladder = get(d, who, "/api/v1/escalation-ladder", name)
        assert [{k: v for k, v in lv.items() if k != "rank"} for lv in ladder["levels"]] == DEFAULT
        assert [lv["rank"] for lv in ladder["levels"]] == [1, 2, 3]


@pytest.mark.parametrize("name", ["obs", "most", "ln"])
def test_only_the_secretariat_changes_the_ladder(d, who, name):
    r = send(d, who, name, "PUT", "/api/v1/escalation-ladder", {"levels": DEFAULT[:1]})
    ptutil.assert_problem(r, 403)
    assert get(d, who, "/api/v1/escalation-ladder")["levels"][2]["code"] == "red"


@pytest.mark.parametrize("body,fields", [
    ({}, {"levels"}),
    ({"levels": {}}, {"levels"}),
    ({"levels": [], "x": 1}, {"x"}),
    ({"levels": []}, {"levels"}),
    ({"levels": [dict(DEFAULT[0], code="Bad Code", days=5), dict(DEFAULT[1], days=0, repeat_days=3),
                 dict(DEFAULT[2], days=-1, label_zh=" ", colour="red")]},
     {"levels[0].code", "levels[1].days", "levels[1].repeat_days", "levels[2].days", "levels[2].label_zh",
      "levels[2].colour"}),
    ({"levels": [DEFAULT[0], dict(DEFAULT[1], code="reminder"), dict(DEFAULT[2], repeat_days=0, days=1.5)]},
     {"levels[1].code", "levels[2].repeat_days", "levels[2].days"}),
    ({"levels": [dict(DEFAULT[0], copy_leader="yes", days=-91)]}, {"levels[0].copy_leader", "levels[0].days"}),
    ({"levels": [DEFAULT[0]] * 11}, {"levels"}),
])
def test_a_bad_ladder_is_refused_whole(d, who, body, fields):
    before = get(d, who, "/api/v1/escalation-ladder")
    r = send(d, who, "coord", "PUT", "/api/v1/escalation-ladder", body)
    problem = ptutil.assert_problem(r, 400)
    assert set(problem["errors"]) == fields, problem
    assert get(d, who, "/api/v1/escalation-ladder") == before


def test_coordinators_and_admins_replace_the_ladder_with_an_event(d, who):
    mine = [{"code": "notice", "label_zh": "预警", "label_en": "Notice", "days": -7},
            {"code": "red", "label_zh": "红牌督办", "label_en": "Red card", "days": 2, "copy_leader": True,
             "repeat_days": 3}]
    r = send(d, who, "admin", "PUT", "/api/v1/escalation-ladder", {"levels": mine})
    assert r.status == 200, r
    assert [lv["code"] for lv in r.json()["levels"]] == ["notice", "red"]
    assert r.json()["levels"][0]["copy_leader"] is False and r.json()["levels"][0]["repeat_days"] is None
    assert get(d, who, "/api/v1/escalation-ladder", "most") == r.json()
    # Back to the offices' default, by a coordinator: the same PUT twice records one event.
    for _ in range(2):
        r = send(d, who, "coord", "PUT", "/api/v1/escalation-ladder", {"levels": DEFAULT})
        assert r.status == 200, r
    # What GET answers (with each level's rank) may be sent back as it is: no change, no event.
    r = send(d, who, "coord", "PUT", "/api/v1/escalation-ladder", get(d, who, "/api/v1/escalation-ladder"))
    assert r.status == 200 and [lv["code"] for lv in r.json()["levels"]] == ["reminder", "yellow", "red"], r
    events = [e for e in ptutil.event_feed(d, who["obs"]) if e["kind"] == "escalation_ladder.changed"]
    assert len(events) == 2
    assert events[0]["actor"]["role"] == "admin" and events[1]["actor"]["role"] == "coordinator"
    assert [lv["code"] for lv in events[1]["changes"]["levels"]["from"]] == ["notice", "red"]
    assert [lv["code"] for lv in events[1]["changes"]["levels"]["to"]] == ["reminder", "yellow", "red"]


@pytest.fixture(scope="module")
def walked(d, who, db, today):
    """A task of MOST in Liaoning walked up the ladder: due in 10 days, judged
    on the days around it. Returns (task, due date)."""
    task = task_ids(d, who, "agency=most&province=CN-LN&status=not_started")[0]
    due = today + datetime.timedelta(days=10)
    patch_task(d, who, task, {"due_date": due.isoformat()})
    return task, due


def day(due, n):
    return (due + datetime.timedelta(days=n)).isoformat()


def test_a_task_climbs_the_ladder_once_per_level(d, who, db, walked):
    task, due = walked
    assert f"task {task} " not in escalate(db, "--as-of", day(due, -4)).stdout
    assert recorded(db, task) == []
    out = escalate(db, "--as-of", day(due, -3)).stdout
    assert f"task {task} (task {task}): reminder 提醒, repeat 0" in out, out
    assert escalate(db, "--as-of", day(due, -3)).stdout.strip() == "0 levels recorded"
    assert get(d, who, f"/api/v1/tasks/{task}")["escalation"]["level"] == "reminder"
    escalate(db, "--as-of", day(due, 0))
    escalate(db, "--as-of", day(due, 1))
    escalate(db, "--as-of", day(due, 5))           # red repeats only every 7 days
    escalate(db, "--as-of", day(due, 8))
    escalate(db, "--as-of", day(due, 8))
    assert recorded(db, task) == [("reminder", "0"), ("yellow", "0"), ("red", "0"), ("red", "1")]

    # A dry run says what would come, and writes nothing.
    out = escalate(db, "--dry-run", "--as-of", day(due, 15)).stdout
    assert f"task {task} (task {task}): red 红牌督办, repeat 2, due {due}, overdue by 15 days, copied to the unit's leader" in out
    assert "would be recorded (dry run: nothing written)" in out
    assert len(recorded(db, task)) == 4

    # Each level is an event of the task's history, written by no one (the system).
    events = [e for e in history(d, who, task) if e["kind"] == "task.escalated"]
    assert [(e["changes"]["escalation"]["from"], e["changes"]["escalation"]["to"]) for e in events] == [
        (None, "reminder"), ("reminder", "yellow"), ("yellow", "red"), ("red", "red")]
    assert all(e["actor"] is None for e in events)
    red = events[2]["changes"]["escalation"]
    assert red["due_date"] == due.isoformat() and red["days_past_due"] == 1 and red["days_to_due"] == -1
    assert red["copy_leader"] is True and red["unit"] == {"agency": "most", "province": "CN-LN"}
    assert events[2]["note"] == f"红牌督办：已逾期 1 天（截止 {due}），抄送单位负责人"
    assert events[3]["note"] == f"红牌督办：已逾期 8 天（截止 {due}），第 1 次重复，抄送单位负责人"
    assert events[1]["note"] == f"黄牌督办：今日到期（截止 {due}）"

    # The task shows its level; the list filters by it.
    esc = get(d, who, f"/api/v1/tasks/{task}", "most")["escalation"]
    assert (esc["level"], esc["label_zh"], esc["repeat"], esc["copy_leader"]) == ("red", "红牌督办", 1, True)
    assert task in task_ids(d, who, "escalation=red")
    assert task not in task_ids(d, who, "escalation=yellow")
    assert task not in task_ids(d, who, "escalation=none&agency=most&province=CN-LN")


def test_the_task_list_refuses_an_unknown_level(d, who):
    r = d.get("/api/v1/tasks?escalation=purple", headers=who["obs"])
    problem = ptutil.assert_problem(r, 400)
    assert "escalation" in problem["errors"], problem


def test_the_levels_reach_reminders_dashboard_and_scorecard(d, who, db, walked):
    task, due = walked
    for name, sees in (("coord", True), ("obs", True), ("most", True), ("ln", True), ("miit", False), ("jl", False)):
        rem = get(d, who, "/api/v1/reminders", name)["escalations"]
        mine = [x for x in rem if x["subject_type"] == "task" and x["task"] == task]
        assert bool(mine) == sees, (name, rem)
        if sees:
            assert (mine[0]["level"], mine[0]["label_zh"], mine[0]["copy_leader"]) == ("red", "红牌督办", True)
    dash = get(d, who, "/api/v1/dashboard/escalations")
    assert [lv["code"] for lv in dash["ladder"]] == ["reminder", "yellow", "red"]
    assert {"level": "red", "label_zh": "红牌督办", "label_en": "Red-card notice", "count": 1} in dash["levels"]
    most = next(r for r in dash["by_agency"] if r["code"] == "most")
    assert most["levels"]["red"] >= 1
    ln = next(r for r in dash["by_province"] if r["code"] == "CN-LN")
    assert ln["levels"]["red"] >= 1
    assert any(r["task"] == task and r["level"] == "red" for r in dash["rows"])
    # Filtered to another agency, the task is not there; as of before any run, nothing is.
    assert all(r["task"] != task for r in get(d, who, "/api/v1/dashboard/escalations?agency=miit")["rows"])
    assert get(d, who, f"/api/v1/dashboard/escalations?as_of={day(due, -20)}")["rows"] == []
    csv = d.get("/api/v1/dashboard/escalations?format=csv", headers=who["obs"])
    assert csv.status == 200 and "红牌督办" in csv.body.decode("utf-8-sig")
    # The scorecard counts, per province and year, the subjects that reached each level.
    ptutil.psql(db.owner_url, "INSERT INTO periods (code, starts_on, ends_on, due_on) "
                              f"VALUES ('{due.year}', '{due.year}-01-01', '{due.year}-12-31', '{due.year + 1}-01-31') "
                              "ON CONFLICT DO NOTHING")
    card = get(d, who, f"/api/v1/scorecards?period={due.year}&province=CN-LN")["provinces"][0]
    years = {datetime.date.fromisoformat(day(due, n)).year for n in (-3, 0, 1, 8)}
    if years == {due.year}:
        assert card["escalations"] == {"reminder": 1, "yellow": 1, "red": 1}, card
    assert card["composite"] is None or isinstance(card["composite"], (int, float))


def test_a_work_item_climbs_its_own_ladder(d, who, db, walked):
    task, due = walked
    other = task_ids(d, who, "agency=most&province=CN-JL&status=not_started")[0]
    r = send(d, who, "coord", "POST", f"/api/v1/tasks/{other}/work-items",
             {"title_zh": "开展调研", "due_date": due.isoformat(), "office": "CN-JL"})
    assert r.status == 201, r
    item = r.json()["id"]
    out = escalate(db, "--as-of", day(due, 0)).stdout
    assert f"work_item {item} (task {other}): yellow 黄牌督办" in out, out
    kinds = [(e["kind"], e["subject_id"]) for e in history(d, who, other)]
    assert ("work_item.escalated", item) in kinds
    assert get(d, who, f"/api/v1/work-items/{item}")["escalation"]["level"] == "yellow"
    for name, sees in (("jl", True), ("ln", False), ("coord", True)):
        rem = get(d, who, "/api/v1/reminders", name)["escalations"]
        assert any(x["work_item"] == item and x["level"] == "yellow" for x in rem) == sees, name


def test_a_new_due_date_starts_again_and_a_done_task_rests(d, who, db, walked, today):
    task, due = walked
    other = task_ids(d, who, "agency=most&province=CN-HL&status=not_started")[0]
    patch_task(d, who, other, {"due_date": due.isoformat()})
    escalate(db, "--as-of", day(due, 2))
    assert recorded(db, other) == [("red", "0")]         # first seen past all: only the highest, once
    # An extension: a new due date, no level yet for it.
    later = due + datetime.timedelta(days=30)
    patch_task(d, who, other, {"due_date": later.isoformat()})
    assert get(d, who, f"/api/v1/tasks/{other}")["escalation"] is None
    escalate(db, "--as-of", day(due, 2))
    assert recorded(db, other) == [("red", "0")]
    escalate(db, "--as-of", day(later, -3))
    assert recorded(db, other) == [("red", "0"), ("reminder", "0")]
    # Done: no level shown, no level recorded.
    patch_task(d, who, other, {"status": "in_progress"}, "most")
    patch_task(d, who, other, {"status": "completed"}, "most")
    assert get(d, who, f"/api/v1/tasks/{other}")["escalation"] is None
    assert f"task {other} " not in escalate(db, "--as-of", day(later, 30)).stdout
    assert other not in task_ids(d, who, "escalation=reminder")


def test_concurrent_runs_record_each_level_once(d, who, db, walked):
    task, due = walked
    n = day(due, 64)    # red, repeat 9: later than any day judged before
    procs = [subprocess.Popen([str(ptutil.require_binary(ptutil.CLI)), "escalate", "--as-of", n,
                               "--database-url", db.owner_url], env=ptutil.program_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert sum(o.count(f"task {task} (task {task})") for o, _ in outs) == 1, outs
    assert recorded(db, task).count(("red", "9")) == 1


def test_the_day_is_the_owners_to_choose(db):
    # The daemon's role runs today's escalation, but may not pick the day.
    cp = escalate(db, "--as-of", "2099-01-01", url=db.app_url, expect_rc=1)
    assert "permission denied" in cp.stderr, cp.stderr
    assert escalate(db, "--dry-run", url=db.app_url).returncode == 0
    cp = escalate(db, "--as-of", "2026-13-01", expect_rc=2)
    assert "--as-of" in cp.stderr


def test_the_daemon_runs_the_ladder_on_its_timer(daemons, d, who, db, today):
    task = task_ids(d, who, "agency=most&province=CN-NM&status=not_started")[0]
    patch_task(d, who, task, {"due_date": (today - datetime.timedelta(days=2)).isoformat()})
    # Two daemons on a one-second timer: the level is recorded once.
    pair = [daemons.start("--escalation-interval-s", "1", database_url=db.app_url) for _ in range(2)]
    ptutil.wait_for(lambda: (get(d, who, f"/api/v1/tasks/{task}")["escalation"] or {}).get("level") == "red",
                    timeout=10, what="the daemon's escalation run")
    time.sleep(2.5)
    assert recorded(db, task) == [("red", "0")]
    logged = [x.wait_for_log(lambda rec: rec.get("msg") == "escalation run", timeout=0.1) for x in pair]
    assert len([rec for rec in logged if rec]) == 1, logged
    assert [rec for rec in logged if rec][0]["copied_to_leader"] == 1


def test_a_level_reached_goes_out_through_the_webhooks(d, who, db, today):
    """The ladder's events reach a webhook like any other (issue 20, item 3): a
    red card for an NDRC task, to an endpoint scoped to NDRC on 127.0.0.1."""
    got = []

    class Robot(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            got.append(json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0)))))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Robot)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        r = send(d, who, "admin", "POST", "/api/v1/webhooks",
                 {"name": "督办推送", "format": "json", "events": ["task.escalated"], "agency": "ndrc",
                  "url": f"http://127.0.0.1:{server.server_address[1]}/hook"})
        assert r.status == 201, r
        task = task_ids(d, who, "agency=ndrc&province=CN-LN&role=lead&status=not_started")[0]
        patch_task(d, who, task, {"due_date": (today - datetime.timedelta(days=1)).isoformat()})
        assert f"task {task} (task {task}): red 红牌督办" in escalate(db).stdout
        ptutil.wait_for(lambda: got, timeout=10, what="the red card's delivery")
        assert [(x["type"], x["data"]["task"]["id"]) for x in got] == [("task.escalated", task)], got
        assert "红牌督办" in got[0]["data"]["note"] and "抄送单位负责人" in got[0]["data"]["note"], got
        assert send(d, who, "admin", "DELETE", f"/api/v1/webhooks/{r.json()['id']}").status == 204
    finally:
        server.shutdown()


def test_audit_verify_stays_green(db, walked):
    cp = ptutil.run_cli(["audit", "verify", "--database-url", db.owner_url])
    assert cp.returncode == 0, cp.stdout + cp.stderr

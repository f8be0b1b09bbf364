"""A task's JSON (sql/fragments/task_fields.sql, in the task list, the task
and a change's answer) is built with cheaper per-row lookups than at fed5775;
the answers must not change by a byte. tests/e2e/task_list_fed5775.sql keeps
the task list as written then: both statements run over every task of a
bench/gen-data database, page by page, for callers of every kind, with tasks
received, sent back, split into work items, with extension requests open,
approved and refused, escalated, overridden; their items, next keys and
problems must be equal. Every task's GET through the daemon must equal its
item in the list: task_get shares the fragment."""

import datetime
import json
import random

import pytest

import ptutil

SEED = 20261207
FROZEN = ptutil.ROOT / "tests" / "e2e" / "task_list_fed5775.sql"


@pytest.fixture(scope="module")
def db(generated_db):
    return generated_db


@pytest.fixture(scope="module")
def d(module_daemons, db):
    return module_daemons.start(database_url=db.app_url)


def rows(url, sql):
    return [line.split("|") for line in ptutil.psql(url, sql).stdout.split("\n") if line]


@pytest.fixture(scope="module")
def busiest(db):
    """The agency and province with the most untouched tasks."""
    return rows(db.app_url, "SELECT agency_code, province_code FROM tasks "
                            "WHERE status = 'not_started' AND progress = 0 "
                            "GROUP BY 1, 2 ORDER BY count(*) DESC, 1, 2 LIMIT 1")[0]


@pytest.fixture(scope="module")
def who(db, busiest):
    agency, province = busiest
    elsewhere = rows(db.app_url, f"SELECT min(code) FROM provinces WHERE code <> '{province}'")[0][0]
    return ptutil.callers(db.app_url, {"observer": ("observer", None, None),
                                       "coordinator": ("coordinator", None, None),
                                       "province": ("province", None, province),
                                       "agency": ("agency", agency, None),
                                       "agency_province": ("agency", agency, province),
                                       "agency_elsewhere": ("agency", agency, elsewhere)})


@pytest.fixture(scope="module")
def varied(db, d, who, busiest):
    """The supervision loop's states on the busiest unit's open tasks, work
    items on others, and the escalation ladder run for today."""
    rng = random.Random(SEED)
    agency, province = busiest
    coord = who["coordinator"][1]
    unit = who["agency_province"][1]
    today = datetime.date.fromisoformat(ptutil.psql_value(db.owner_url, "SELECT current_date"))

    def post(headers, path, body=None):
        r = d.request("POST", path, headers={**headers, "Content-Type": "application/json"},
                      body=json.dumps(body).encode() if body is not None else None)
        assert r.status in (200, 201), (path, r)
        return r.json()

    tasks = [int(t) for (t,) in rows(db.app_url, f"""
        SELECT id FROM tasks WHERE agency_code = '{agency}' AND province_code = '{province}'
          AND status = 'not_started' AND progress = 0
        ORDER BY id LIMIT 24""")]
    assert len(tasks) >= 12, tasks
    counts = {"received": 0, "sent_back": 0, "open": 0, "approved": 0, "refused": 0}
    for i, task in enumerate(tasks):
        # Due later, so that an extension may be asked.
        etag = d.get(f"/api/v1/tasks/{task}", headers=coord).json()["etag"]
        due = (today + datetime.timedelta(days=rng.randint(10, 25))).isoformat()
        r = d.request("PATCH", f"/api/v1/tasks/{task}", body=json.dumps({"due_date": due}).encode(),
                      headers={**coord, "Content-Type": "application/json", "If-Match": etag})
        assert r.status == 200, r
        kind = i % 6
        if kind == 0:
            post(unit, f"/api/v1/tasks/{task}/send-back", {"reason": "不属本单位职责"})
            counts["sent_back"] += 1
            continue
        if kind == 1:
            continue  # unreceived
        post(unit, f"/api/v1/tasks/{task}/receive")
        counts["received"] += 1
        if kind == 2:
            continue
        later = (today + datetime.timedelta(days=rng.randint(30, 90))).isoformat()
        post(unit, f"/api/v1/tasks/{task}/extensions", {"due_date": later, "reason": "跨采购周期"})
        if kind == 3:
            counts["open"] += 1
        elif kind == 4:
            post(coord, f"/api/v1/tasks/{task}/extensions/approve", {"reason": "同意"})
            counts["approved"] += 1
            # A second request, open, after the approved one.
            again = (today + datetime.timedelta(days=120)).isoformat()
            post(unit, f"/api/v1/tasks/{task}/extensions", {"due_date": again, "reason": "再延"})
        else:
            post(coord, f"/api/v1/tasks/{task}/extensions/refuse", {"reason": "不同意"})
            counts["refused"] += 1
    split = [int(t) for (t,) in rows(db.app_url, f"""
        SELECT id FROM tasks WHERE agency_code = '{agency}' AND id NOT IN ({",".join(map(str, tasks))})
        ORDER BY id LIMIT 40""")]
    for task in rng.sample(split, 12):
        for _ in range(rng.choice((1, 2))):
            post(coord, f"/api/v1/tasks/{task}/work-items",
                 {"title_zh": "工作项", "due_date": rng.choice(("2020-03-01", "2031-01-01")),
                  "agency": agency})
    ptutil.run_cli(["escalate", "--database-url", db.owner_url], expect_rc=0)
    facts = rows(db.app_url, """
        SELECT (SELECT count(*) FROM escalations WHERE subject_type = 'task'),
               (SELECT count(*) FROM tasks WHERE rag_override IS NOT NULL),
               (SELECT count(DISTINCT task_id) FROM work_items WHERE removed_at IS NULL)""")[0]
    assert all(int(n) > 0 for n in facts), facts
    return counts


def prepare(name, sql):
    params = [line.split()[3] for line in sql.split("\n") if line.startswith("-- $")]
    body = "\n".join(line for line in sql.split("\n") if not line.startswith("--"))
    return f"PREPARE {name}({', '.join(params)}) AS {body.strip().rstrip(';')};\n", len(params)


def literal(value):
    return "NULL" if value is None else "'" + str(value).replace("'", "''") + "'"


def pages(url, caller, filters):
    """Every page of both statements for one caller and one set of filters."""
    now = ptutil.run_cli(["sql", "task_list"], expect_rc=0).stdout
    params = ptutil.run_cli(["sql", "task_list", "--params"], expect_rc=0).stdout
    header = "\n".join("-- " + line for line in params.split("\n") if line.strip())
    old, n = prepare("old", FROZEN.read_text(encoding="utf-8"))
    new, m = prepare("new", header + "\n" + now)
    assert n == m == 18
    out = {"old": [], "new": []}
    for name in out:
        after = None
        while True:
            args = [caller[0], caller[1], caller[2], filters.get("agency"), filters.get("province"),
                    None, None, filters.get("status"), None, filters.get("rag"), None, after, 200,
                    None, None, filters.get("receipt"), filters.get("extension"),
                    filters.get("escalation")]
            res = ptutil.psql(url, (old if name == "old" else new)
                              + f"EXECUTE {name}({', '.join(map(literal, args))});").stdout
            items, key, problem = res.rstrip("\n").split("|")
            out[name].append((items, key, problem))
            if not key:
                break
            after = int(key)
    return out


FILTER_SETS = [{}, {"receipt": "sent_back"}, {"receipt": "received"}, {"extension": "open"},
               {"escalation": "none"}, {"escalation": "red"}, {"status": "blocked", "rag": "red"}]


@pytest.mark.parametrize("caller", ["observer", "coordinator", "province", "agency",
                                    "agency_province", "agency_elsewhere"])
def test_the_list_answers_as_the_statement_of_fed5775(db, who, varied, busiest, caller):
    role = who[caller][0]
    seen = 0
    for filters in FILTER_SETS + [{"agency": busiest[0], "province": busiest[1]}]:
        got = pages(db.app_url, role, filters)
        assert got["new"] == got["old"], (caller, filters)
        seen += sum(len(json.loads(items)) for items, _, _ in got["new"])
    assert seen > 1500


def test_a_task_answers_as_its_item_in_the_list(db, d, who, varied, busiest):
    """task_get and the list share the fragment: their JSON of a task agrees
    (task_get adds the measure's text) for every task of the busiest unit."""
    for caller in ("agency_province", "coordinator", "observer"):
        role, headers = who[caller]
        page = d.get(f"/api/v1/tasks?agency={busiest[0]}&province={busiest[1]}&limit=200",
                     headers=headers).json()["items"]
        assert len(page) >= 12
        for item in page:
            one = d.get(f"/api/v1/tasks/{item['id']}", headers=headers).json()
            one.pop("measure_text_zh")
            one.pop("measure_text_en")
            assert one == item, (caller, item["id"])

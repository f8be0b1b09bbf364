"""The other lists sent as variants (`-- plans: one per filter set`; the task
list is test_list_plans.py's): measures, the change feed, work items,
reports and evaluations. Their answers must not change by a byte, and a
repeated filter set must not be planned again.

On a database filled by bench/gen-data (plus work items split off its
tasks, some moved on), seeded random filter sets (good values and bad ones,
following `next` links) go to two daemons: the default one, which sends the
variants, and one with --statement-mode=unnamed, which sends each statement
as written. Their bodies must be equal byte for byte.

auto_explain, loaded for this database's sessions, reports each plan as a
NOTICE the daemon logs: a plan made for the values shows them as literals,
a kept generic plan shows $n. The measure list's text search is sent as
written on purpose (`-- plans: as written when $5 is given`): its plan
shows the pattern."""

import json
import random
import re
import urllib.parse

import pytest

import ptutil

SEED = 20261208
MEASURES = "m.document_id::bigint * 10000000"  # in the measure list's query text


@pytest.fixture(scope="module")
def db(generated_db):
    return generated_db


@pytest.fixture(scope="module")
def callers(db):
    made = ptutil.callers(db.app_url, {"observer": ("observer", None, None),
                                       "coordinator": ("coordinator", None, None),
                                       "agency": ("agency", "ndrc", None),
                                       "province": ("province", None, "CN-LN")})
    return {name: auth for name, (_, auth) in made.items()}


@pytest.fixture(scope="module")
def two(module_daemons, db):
    variants = module_daemons.start("--pool-size", "2", database_url=db.app_url)
    as_written = module_daemons.start("--pool-size", "2", "--statement-mode", "unnamed",
                                      database_url=db.app_url)
    return variants, as_written


def values_of(url, sql):
    return [line for line in ptutil.psql(url, sql).stdout.split("\n") if line]


@pytest.fixture(scope="module")
def work_items(db, two, callers):
    """Work items on some tasks, for their list: carried by agencies or
    provincial offices, due in the past or the future, some started."""
    d = two[0]
    rng = random.Random(SEED)
    tasks = [(int(t), p) for t, p in (line.split("|") for line in values_of(
        db.app_url, "SELECT id || '|' || province_code FROM tasks ORDER BY id LIMIT 400"))]
    agencies = values_of(db.app_url, "SELECT code FROM agencies ORDER BY code")
    headers = {**callers["coordinator"], "Content-Type": "application/json"}
    made = 0
    for task, province in rng.sample(tasks, 30):
        for _ in range(rng.choice((1, 2))):
            body = {"title_zh": "工作项", "due_date": rng.choice(("2020-03-01", "2031-01-01"))}
            if rng.random() < 0.6:
                body["agency"] = rng.choice(agencies)
            else:
                body["office"] = province
            r = d.request("POST", f"/api/v1/tasks/{task}/work-items", headers=headers,
                          body=json.dumps(body).encode())
            assert r.status == 201, r
            made += 1
            if rng.random() < 0.4:
                item = r.json()
                r = d.request("PATCH", f"/api/v1/work-items/{item['id']}",
                              headers={**headers, "If-Match": item["etag"]},
                              body=json.dumps({"status": "in_progress"}).encode())
                assert r.status == 200, r
    return made


@pytest.fixture(scope="module")
def lists(db, work_items):
    """Each list: its path and the values each filter may take (good and bad)."""
    url = db.app_url
    agencies = values_of(url, "SELECT code FROM agencies ORDER BY code")
    provinces = values_of(url, "SELECT code FROM provinces ORDER BY code")
    documents = values_of(url, "SELECT code FROM documents ORDER BY id")
    return {
        "/api/v1/measures": {
            "section": values_of(url, "SELECT code FROM sections ORDER BY id LIMIT 8") + ["9"],
            "agency": agencies + ["nope"],
            "province": provinces + ["CN-XX"],
            "role": ["lead", "support", "chief"],
            "q": ["知识产权", "专利", "patent", "%", "nothing-matches-this"],
            "document": documents + ["nope"],
        },
        "/api/v1/events": {
            "after": ["1", "1500", "2999", "999999"],
            "document": documents + ["nope"],
        },
        "/api/v1/work-items": {
            "agency": agencies + ["nope"],
            "office": provinces + ["CN-XX"],
            "status": ["not_started", "in_progress", "bogus"],
            "overdue": ["true", "false"],
            "mine": ["true", "false"],
        },
        "/api/v1/reports": {
            "period": ["2026-Q1", "nope"],
            "province": provinces + ["CN-XX"],
            "state": ["draft", "submitted", "returned", "accepted"],
            "document": documents + ["nope"],
        },
        "/api/v1/evaluations": {
            "subject_type": ["province", "agency"],
            "subject": ["CN-LN", "ndrc"],
            "period": ["2026-Q1", "nope"],
            "current": ["true", "false"],
        },
    }


def same(body):
    """A body without the request's own id (each request has its own)."""
    return re.sub(rb'"request_id":"[0-9a-f]+"', b'"request_id":""', body)


def test_variants_answer_what_the_statements_as_written_answer(callers, two, lists):
    variants, as_written = two
    rng = random.Random(SEED)
    seen = {path: {"200": 0, "400": 0, "next": 0, "items": 0} for path in lists}
    for path, filters in sorted(lists.items()):
        for _ in range(40):
            caller = rng.choice(sorted(callers))
            query = {name: rng.choice(filters[name])
                     for name in rng.sample(sorted(filters), min(len(filters), rng.choice((0, 1, 1, 2, 3))))}
            query["limit"] = str(rng.choice((1, 5, 20, 100)))
            url = path + "?" + urllib.parse.urlencode(query)
            for _ in range(rng.choice((1, 2, 3))):
                a = variants.get(url, headers=callers[caller])
                b = as_written.get(url, headers=callers[caller])
                assert (a.status, same(a.body)) == (b.status, same(b.body)), url
                assert a.status in (200, 400), (url, a.body)
                seen[path][str(a.status)] += 1
                if a.status != 200:
                    break
                seen[path]["items"] += bool(a.json()["items"])
                url = a.json().get("next")
                if not url:
                    break
                seen[path]["next"] += 1
    # The cases reach what they are meant to: pages with items, next links, problems.
    for path in ("/api/v1/measures", "/api/v1/events", "/api/v1/work-items"):
        assert seen[path]["items"] >= 10 and seen[path]["next"] >= 5, (path, seen[path])
    for path in ("/api/v1/measures", "/api/v1/work-items", "/api/v1/reports"):
        assert seen[path]["400"] >= 3, (path, seen[path])


def plan_notices(d):
    """The plans auto_explain reported through d (a page is a Limit)."""
    return [rec["detail"] for rec in d.log_records()
            if rec.get("msg") == "postgres notice" and "Limit" in rec.get("detail", "")]


@pytest.fixture
def explained(db):
    admin = ptutil.admin_db_url()
    ptutil.psql(admin, f"ALTER DATABASE {db.name} SET session_preload_libraries = 'auto_explain';\n"
                       f"ALTER DATABASE {db.name} SET auto_explain.log_min_duration = 0;\n"
                       f"ALTER DATABASE {db.name} SET auto_explain.log_level = 'notice';\n")
    yield
    ptutil.psql(admin, f"ALTER DATABASE {db.name} RESET ALL;\n")


@pytest.mark.parametrize("path, values, marker, literal", [
    ("/api/v1/measures?section={}&limit=20", ["3", "3.1", "4", "4.4"], "s.code = $1", "'3"),
    ("/api/v1/measures?agency={}&limit=5", ["ndrc", "sipo", "most", "miit"], "agency_code = $2", "'ndrc'"),
    ("/api/v1/events?after={}&limit=20", ["10", "200", "1500", "2500"], "seq > $", "'1500'"),
    ("/api/v1/work-items?office={}&status=not_started", ["CN-LN", "CN-JL", "CN-HL", "CN-NM"],
     "province_code = $5", "'CN-"),
    ("/api/v1/reports?province={}&state=draft", ["CN-LN", "CN-JL", "CN-HL", "CN-NM"],
     "province_code = $4", "'CN-"),
])
def test_a_filter_set_keeps_its_generic_plan(module_daemons, db, callers, work_items, explained,
                                             path, values, marker, literal):
    """Through one connection, the same filter set with other values each
    time runs a plan with $n where the values would be: planned once."""
    d = module_daemons.start("--pool-size", "1", database_url=db.app_url)
    for v in values * 2:
        r = d.get(path.format(v), headers=callers["coordinator"])
        assert r.status == 200, r.body
    ptutil.wait_for(lambda: len([p for p in plan_notices(d) if marker in p]) >= len(values) * 2,
                    5.0, "a plan notice for every request")
    for plan in (p for p in plan_notices(d) if marker in p):
        assert literal not in plan, plan


def test_a_text_search_of_measures_is_planned_for_its_text(module_daemons, db, callers, explained):
    d = module_daemons.start("--pool-size", "1", database_url=db.app_url)
    for q in ("专利", "patent", "专利", "patent"):
        assert d.get(f"/api/v1/measures?q={urllib.parse.quote(q)}&limit=5",
                     headers=callers["observer"]).status == 200
    ptutil.wait_for(lambda: len([p for p in plan_notices(d) if "text_en" in p]) >= 4, 5.0,
                    "a plan notice for every search")
    plans = [p for p in plan_notices(d) if "text_en" in p]
    assert all("'%patent%'" in p or "'%专利%'" in p for p in plans), plans


def test_one_list_cannot_take_every_place(module_daemons, db, callers, explained):
    """A connection keeps at most 16 variants of one statement (lib/pg/db.c):
    a 17th filter set of the task list is planned for its values, and the
    measure list still gets a variant of its own on that connection."""
    d = module_daemons.start("--pool-size", "1", database_url=db.app_url)
    filters = [("agency", "ndrc"), ("province", "CN-LN"), ("status", "in_progress"), ("role", "lead"),
               ("overdue", "false")]
    sets = [[f for i, f in enumerate(filters) if n >> i & 1] for n in range(1, 18)]
    for n, query in enumerate(sets, 1):
        assert d.get("/api/v1/tasks?" + urllib.parse.urlencode(query) + "&limit=5",
                     headers=callers["observer"]).status == 200
        ptutil.wait_for(lambda: len([p for p in plan_notices(d) if "on tasks t" in p]) >= n, 5.0,
                        "the list's plan notice")
    plans = [p for p in plan_notices(d) if "on tasks t" in p]
    literals = ("'ndrc'", "'CN-LN'", "'in_progress'", "'lead'")
    for plan in plans[:16]:
        assert not any(x in plan for x in literals), plan
    assert any(x in plans[16] for x in literals), plans[16]
    assert d.get("/api/v1/measures?section=3&limit=5", headers=callers["observer"]).status == 200
    ptutil.wait_for(lambda: [p for p in plan_notices(d) if MEASURES in p], 5.0,
                    "the measure list's plan notice")
    measure = [p for p in plan_notices(d) if MEASURES in p]
    assert "'3" not in measure[0], measure[0]

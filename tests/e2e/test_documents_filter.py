"""Every list, dashboard and export takes `document=`: with two documents
loaded, each answers for all of them by default and for one when asked; a
section or measure code both documents have is refused as ambiguous unless
`document=` says which; an unknown document is a 400 naming the parameter.

The second document is small and made here, in a fresh database, as its
owner: it has a measure 3.1.2 and a part 3.1 like the 2017 notice, a chapter
9 of its own, and is carried by an agency outside the nine (商务部) in a
province outside the four (河北省) and in Liaoning."""

import csv
import io
import json
import os
import urllib.parse

import pytest

import ptutil

NE = "ne-ip-2017"
DEMO = "ne-demo-2020"

SECOND_DOCUMENT = """
INSERT INTO agencies (code, name_zh, full_name_zh, name_en, remit_en, sort_order)
VALUES ('mofcom', '商务部', '中华人民共和国商务部', 'Ministry of Commerce', 'Trade and time-honoured brands.', 100);
INSERT INTO provinces (code, name_zh, short_zh, name_en, sort_order)
VALUES ('CN-HE', '河北省', '河北', 'Hebei Province', 5);
INSERT INTO documents (code, title_zh, title_en, issuers, recipients, signed_on, published_on, preamble_zh, preamble_en)
VALUES ('ne-demo-2020', '示范文件', 'A demonstration document', '{sipo,mofcom}', '{CN-LN,CN-HE}',
        '2020-03-01', '2020-03-05', '为测试而设。', 'Made for a test.');
INSERT INTO sections (document_id, code, chapter, title_zh, title_en, sort_order)
SELECT id, v.code, v.chapter, v.title_zh, v.title_en, v.sort_order
FROM documents, (VALUES ('3', 3, '三、任务', 'III. Tasks', 1), ('9', 9, '九、其他', 'IX. Other', 3))
     AS v(code, chapter, title_zh, title_en, sort_order)
WHERE documents.code = 'ne-demo-2020';
INSERT INTO sections (document_id, code, parent_id, chapter, part, title_zh, title_en, sort_order)
SELECT d.id, v.code, p.id, v.chapter, v.part, v.title_zh, v.title_en, v.sort_order
FROM documents d
JOIN (VALUES ('3.1', '3', 3, 1, '（一）品牌', '(1) Brands', 2), ('9.1', '9', 9, 1, '（一）展会', '(1) Fairs', 4))
     AS v(code, parent, chapter, part, title_zh, title_en, sort_order) ON true
JOIN sections p ON p.document_id = d.id AND p.code = v.parent
WHERE d.code = 'ne-demo-2020';
INSERT INTO measures (document_id, section_id, code, item, text_zh, text_en, sort_order)
SELECT s.document_id, s.id, v.code, v.item, v.text_zh, v.text_en, v.sort_order
FROM sections s
JOIN documents d ON d.id = s.document_id
JOIN (VALUES ('3.1', '3.1.2', 2, '培育老字号品牌。', 'Foster time-honoured brands.', 1),
             ('9.1', '9.1.1', 1, '办好边境贸易展会。', 'Hold border trade fairs well.', 2))
     AS v(section, code, item, text_zh, text_en, sort_order) ON v.section = s.code
WHERE d.code = 'ne-demo-2020';
INSERT INTO measure_agencies (measure_id, agency_code, role, rationale)
SELECT m.id, v.agency, v.role, 'the test says so'
FROM measures m
JOIN documents d ON d.id = m.document_id AND d.code = 'ne-demo-2020'
JOIN (VALUES ('3.1.2', 'mofcom', 'lead'), ('3.1.2', 'sipo', 'support'), ('9.1.1', 'mofcom', 'lead'))
     AS v(measure, agency, role) ON v.measure = m.code;
INSERT INTO measure_provinces (measure_id, province_code, rationale)
SELECT m.id, v.province, 'the test says so'
FROM measures m
JOIN documents d ON d.id = m.document_id AND d.code = 'ne-demo-2020'
JOIN (VALUES ('3.1.2', 'CN-LN'), ('3.1.2', 'CN-HE'), ('9.1.1', 'CN-HE'))
     AS v(measure, province) ON v.measure = m.code;
-- Five tasks: one blocked and overdue, one started, one completed.
INSERT INTO tasks (measure_id, agency_code, province_code, role, status, progress, due_date)
SELECT m.id, v.agency, v.province, v.role, v.status, v.progress, current_date + v.due
FROM measures m
JOIN documents d ON d.id = m.document_id AND d.code = 'ne-demo-2020'
JOIN (VALUES ('3.1.2', 'mofcom', 'CN-HE', 'lead', 'blocked', 10, -5),
             ('3.1.2', 'mofcom', 'CN-LN', 'lead', 'in_progress', 40, 60),
             ('3.1.2', 'sipo', 'CN-HE', 'support', 'not_started', 0, 60),
             ('3.1.2', 'sipo', 'CN-LN', 'support', 'not_started', 0, 60),
             ('9.1.1', 'mofcom', 'CN-HE', 'lead', 'completed', 100, 60))
     AS v(measure, agency, province, role, status, progress, due) ON v.measure = m.code;
INSERT INTO periods (code, starts_on, ends_on, due_on)
VALUES ('2017', '2017-01-01', '2017-12-31', '2018-01-31');
"""

# Inner Mongolia (a province of the 2017 notice only) has reported for 2017.
A_REPORT = """
INSERT INTO reports (province_code, period_code, state, summary, submitted_at, first_submitted_at, created_by)
SELECT 'CN-NM', '2017', 'submitted', '内蒙古自治区2017年落实情况', now(), now(), id
FROM users WHERE username = '{user}';
"""

DASHBOARDS = ["summary", "by-agency", "by-province", "by-document", "by-section", "matrix", "overdue",
              "overdue-work-items"]


@pytest.fixture(scope="module")
def db():
    with ptutil.fresh_database() as db:
        ptutil.migrate(db.owner_url)
        ptutil.psql(db.owner_url, SECOND_DOCUMENT)
        office = ptutil.make_user(db.app_url, "province", province="CN-NM")
        ptutil.psql(db.owner_url, A_REPORT.format(user=office))
        yield db


@pytest.fixture(scope="module")
def d(module_daemons, db):
    return module_daemons.start(database_url=db.app_url)


@pytest.fixture(scope="module")
def who(db):
    out = {}
    for role in ("observer", "coordinator"):
        out[role] = ptutil.bearer(ptutil.issue_token(db.app_url, ptutil.make_user(db.app_url, role)))
    return out


def get(d, who, path):
    r = d.get(path, headers=who["observer"])
    assert r.status == 200, r
    return r.json()


def rows(d, who, name, **query):
    return get(d, who, f"/api/v1/dashboard/{name}?{urllib.parse.urlencode(query)}")["rows"]


def walk(d, who, path):
    """Every item of a list, following its `next` links."""
    items, seen = [], set()
    while path:
        page = get(d, who, path)
        items += page["items"]
        path = page["next"]
        assert path not in seen, "a next link repeats"
        seen.add(path)
    return items


def count_tasks(db, where):
    return int(ptutil.psql_value(db.app_url, f"""
        SELECT count(*) FROM tasks t JOIN measures m ON m.id = t.measure_id
        JOIN sections s ON s.id = m.section_id JOIN documents d ON d.id = m.document_id WHERE {where}"""))


# ---- lists -------------------------------------------------------------------


def test_tasks_are_every_documents_or_one_documents(d, who, db):
    demo = walk(d, who, f"/api/v1/tasks?document={DEMO}&limit=200")
    assert len(demo) == 5 and {t["document"] for t in demo} == {DEMO}
    assert sorted((t["measure"], t["agency"]["code"], t["province"]["code"]) for t in demo)[0] == \
        ("3.1.2", "mofcom", "CN-HE")
    ne = walk(d, who, f"/api/v1/tasks?document={NE}&limit=200")
    assert len(ne) == count_tasks(db, f"d.code = '{NE}'") and {t["document"] for t in ne} == {NE}
    every = walk(d, who, "/api/v1/tasks?limit=200")
    assert sorted(t["id"] for t in every) == sorted(t["id"] for t in ne + demo)
    # Hebei has tasks of the second document only; the agency outside the nine none in the first.
    assert {t["document"] for t in get(d, who, "/api/v1/tasks?province=CN-HE")["items"]} == {DEMO}
    assert get(d, who, f"/api/v1/tasks?agency=mofcom&document={NE}")["items"] == []


def test_a_measure_code_two_documents_have_needs_document(d, who, db):
    r = d.get("/api/v1/tasks?measure=3.1.2", headers=who["observer"])
    body = ptutil.assert_problem(r, 400)
    assert body["type"] == "urn:policytrack:problem:ambiguous-filter"
    assert body["documents"] == [NE, DEMO]
    assert "measure" in body["errors"] and NE in body["errors"]["measure"]
    demo = get(d, who, f"/api/v1/tasks?measure=3.1.2&document={DEMO}")["items"]
    assert len(demo) == 4 and {t["document"] for t in demo} == {DEMO}
    ne = walk(d, who, f"/api/v1/tasks?measure=3.1.2&document={NE}&limit=200")
    assert len(ne) == count_tasks(db, f"m.code = '3.1.2' AND d.code = '{NE}'") > 0
    # A code only one document has needs no document; in the other it is not there.
    assert len(get(d, who, "/api/v1/tasks?measure=9.1.1")["items"]) == 1
    body = ptutil.assert_problem(d.get(f"/api/v1/tasks?measure=9.1.1&document={NE}", headers=who["observer"]), 400)
    assert "is not a measure of document" in body["errors"]["measure"]


def test_a_section_code_two_documents_have_needs_document(d, who):
    for path in ("/api/v1/tasks?section=3.1", "/api/v1/measures?section=3", "/api/v1/dashboard/summary?section=3.1",
                 "/api/v1/dashboard/by-section?section=3", "/api/v1/dashboard/matrix?section=3.1",
                 "/api/v1/dashboard/trend?from=2017-01-01&to=2017-02-01&section=3.1"):
        body = ptutil.assert_problem(d.get(path, headers=who["observer"]), 400)
        assert body["type"] == "urn:policytrack:problem:ambiguous-filter", path
        assert body["documents"] == [NE, DEMO], path
        assert list(body["errors"]) == ["section"], path
    assert [m["code"] for m in get(d, who, f"/api/v1/measures?section=3.1&document={DEMO}")["items"]] == ["3.1.2"]
    assert [t["measure"] for t in get(d, who, "/api/v1/tasks?section=9")["items"]] == ["9.1.1"]
    body = ptutil.assert_problem(d.get(f"/api/v1/tasks?section=9&document={NE}", headers=who["observer"]), 400)
    assert "is not a section of document" in body["errors"]["section"]


def test_measures_of_every_document_page_across_documents(d, who):
    every = walk(d, who, "/api/v1/measures?limit=7")
    keys = [(m["document"], m["code"]) for m in every]
    assert len(keys) == len(set(keys)) == 99
    assert keys[-2:] == [(DEMO, "3.1.2"), (DEMO, "9.1.1")], "documents come in the order they were loaded"
    assert {m["document"] for m in every[:97]} == {NE}
    demo = get(d, who, f"/api/v1/measures?document={DEMO}")["items"]
    assert [(m["code"], m["task_count"]) for m in demo] == [("3.1.2", 4), ("9.1.1", 1)]
    assert [a["code"] for a in demo[0]["agencies"]] == ["mofcom", "sipo"]
    assert len(get(d, who, f"/api/v1/measures?document={NE}&limit=200")["items"]) == 97


def test_one_measure_by_a_shared_code_needs_document(d, who):
    body = ptutil.assert_problem(d.get("/api/v1/measures/3.1.2", headers=who["observer"]), 409)
    assert body["type"] == "urn:policytrack:problem:ambiguous-measure"
    assert body["documents"] == [NE, DEMO]
    m = get(d, who, f"/api/v1/measures/3.1.2?document={DEMO}")
    assert (m["document"], m["text_zh"], len(m["tasks"])) == (DEMO, "培育老字号品牌。", 4)
    assert get(d, who, f"/api/v1/measures/3.1.2?document={NE}")["document"] == NE
    assert get(d, who, "/api/v1/measures/9.1.1")["document"] == DEMO
    body = ptutil.assert_problem(d.get(f"/api/v1/measures/9.1.1?document={NE}", headers=who["observer"]), 404)
    assert NE in body["detail"]


UNKNOWN = [
    "/api/v1/tasks", "/api/v1/measures", "/api/v1/measures/9.1.1", "/api/v1/events", "/api/v1/reports",
    "/api/v1/dashboard/reporting-compliance", "/api/v1/reminders",
    "/api/v1/dashboard/trend?from=2017-01-01&to=2017-02-01",
] + [f"/api/v1/dashboard/{name}" for name in DASHBOARDS]


@pytest.mark.parametrize("path", UNKNOWN)
def test_an_unknown_document_is_refused_naming_the_parameter(d, who, path):
    sep = "&" if "?" in path else "?"
    body = ptutil.assert_problem(d.get(path + sep + "document=ne-nope-1999", headers=who["observer"]), 400)
    assert body["type"] == "urn:policytrack:problem:invalid-query"
    assert list(body["errors"]) == ["document"] and "ne-nope-1999" in body["errors"]["document"]
    body = ptutil.assert_problem(d.get(path + sep + "document=Not_A_Code", headers=who["observer"]), 400)
    assert list(body["errors"]) == ["document"]


# ---- dashboards --------------------------------------------------------------


def test_summary_counts_every_document_or_one(d, who, db):
    demo = get(d, who, f"/api/v1/dashboard/summary?document={DEMO}")
    t = demo["totals"]
    assert (t["tasks"], t["blocked"], t["in_progress"], t["completed"], t["overdue"], t["red"]) == (5, 1, 1, 1, 1, 1)
    ne = get(d, who, f"/api/v1/dashboard/summary?document={NE}")["totals"]
    every = get(d, who, "/api/v1/dashboard/summary")["totals"]
    assert ne["tasks"] == count_tasks(db, f"d.code = '{NE}'")
    for k in ("tasks", "not_started", "in_progress", "blocked", "completed", "verified", "overdue", "red"):
        assert every[k] == ne[k] + t[k], k
    # Reports: a province reports on all its tasks; asked for one document,
    # the provinces its measures name (Liaoning, Hebei: Inner Mongolia's report is not theirs).
    assert demo["reports"]["by_state"] == {"missing": 2, "submitted": 0, "accepted": 0, "returned": 0}
    assert get(d, who, "/api/v1/dashboard/summary")["reports"]["by_state"]["submitted"] == 1
    assert get(d, who, f"/api/v1/dashboard/summary?document={NE}")["reports"]["by_state"]["missing"] == 3


def test_breakdowns_have_the_documents_agencies_and_provinces(d, who):
    assert [r["agency"] for r in rows(d, who, "by-agency", document=DEMO)] == ["sipo", "mofcom"]
    assert [(r["agency"], r["tasks"]) for r in rows(d, who, "by-agency", document=DEMO)] == [("sipo", 2), ("mofcom", 3)]
    assert "mofcom" not in [r["agency"] for r in rows(d, who, "by-agency", document=NE)]
    assert len(rows(d, who, "by-agency")) == 10
    assert [r["province"] for r in rows(d, who, "by-province", document=DEMO)] == ["CN-LN", "CN-HE"]
    assert [r["province"] for r in rows(d, who, "by-province", document=NE)] == ["CN-NM", "CN-LN", "CN-JL", "CN-HL"]
    assert [r["province"] for r in rows(d, who, "by-province")] == ["CN-NM", "CN-LN", "CN-JL", "CN-HL", "CN-HE"]
    he = rows(d, who, "by-province", document=DEMO)[1]
    assert (he["name_zh"], he["tasks"], he["blocked"], he["completed"]) == ("河北省", 3, 1, 1)


def test_by_document(d, who, db):
    every = rows(d, who, "by-document")
    assert [(r["document"], r["title_zh"]) for r in every][1] == (DEMO, "示范文件")
    assert [(r["document"], r["tasks"]) for r in every] == [(NE, count_tasks(db, f"d.code = '{NE}'")), (DEMO, 5)]
    assert [(r["document"], r["tasks"]) for r in rows(d, who, "by-document", document=DEMO)] == [(DEMO, 5)]
    assert [(r["document"], r["tasks"]) for r in rows(d, who, "by-document", province="CN-HE")] == [(NE, 0), (DEMO, 3)]


def test_by_section_groups_by_document_and_section(d, who):
    every = rows(d, who, "by-section")
    demo = [(r["document"], r["section"], r["level"], r["tasks"]) for r in every if r["document"] == DEMO]
    assert demo == [(DEMO, "3", "chapter", 4), (DEMO, "3.1", "part", 4), (DEMO, "9", "chapter", 1),
                    (DEMO, "9.1", "part", 1)]
    # The 2017 notice's rows count its own tasks only, though its 3.1 shares the code.
    ne = [r for r in every if r["document"] == NE]
    assert ne == rows(d, who, "by-section", document=NE)
    assert [r["section"] for r in ne][:2] == ["3", "3.1"] and len(ne) == 21
    assert rows(d, who, "by-section", document=DEMO, section="3.1") == [r for r in every if r["document"] == DEMO][:2]


def test_matrix_names_each_rows_document(d, who):
    m = get(d, who, f"/api/v1/dashboard/matrix?document={DEMO}")
    assert m["provinces"] == ["CN-LN", "CN-HE"]
    assert [(r["document"], r["measure"]) for r in m["rows"]] == [(DEMO, "3.1.2"), (DEMO, "9.1.1")]
    cell = m["rows"][0]["CN-HE"]
    assert (cell["status"], cell["rag"], cell["tasks"]) == ("blocked", "red", 2)
    assert cell["support"] == [{"agency": "sipo", "status": "not_started", "rag": cell["support"][0]["rag"]}]
    assert list(m["rows"][0]) == ["document", "measure", "text_zh", "CN-LN", "CN-HE"]
    every = get(d, who, "/api/v1/dashboard/matrix?limit=200")
    assert every["provinces"] == ["CN-NM", "CN-LN", "CN-JL", "CN-HL", "CN-HE"]
    keys = [(r["document"], r["measure"]) for r in every["rows"]]
    assert len(keys) == len(set(keys)) == 99 and keys[-2:] == [(DEMO, "3.1.2"), (DEMO, "9.1.1")]
    # Its pages run across the documents as the measures' do.
    path, paged = "/api/v1/dashboard/matrix?limit=7", []
    while path:
        page = get(d, who, path)
        paged += page["rows"]
        path = page["next"]
    assert paged == every["rows"]
    ne = get(d, who, f"/api/v1/dashboard/matrix?document={NE}&limit=200")
    assert ne["provinces"] == ["CN-NM", "CN-LN", "CN-JL", "CN-HL"] and len(ne["rows"]) == 97


def test_overdue_and_trend_and_reminders(d, who, db):
    over = rows(d, who, "overdue", document=DEMO)
    assert [(r["document"], r["measure"], r["agency"], r["province_zh"], r["days_overdue"]) for r in over] == \
        [(DEMO, "3.1.2", "mofcom", "河北省", 5)]
    assert DEMO not in {r["document"] for r in rows(d, who, "overdue", document=NE)}
    assert DEMO in {r["document"] for r in rows(d, who, "overdue")}
    day = ptutil.psql_value(db.app_url, "SELECT current_date")
    point = rows(d, who, "trend", **{"from": day, "to": day, "document": DEMO})[0]
    # No task has an event: from its creation each counts as not started.
    assert (point["tasks"], point["not_started"]) == (5, 5)
    every = rows(d, who, "trend", **{"from": day, "to": day})[0]
    assert every["tasks"] == count_tasks(db, "true")
    rem = get(d, who, f"/api/v1/reminders?document={DEMO}&days=366")
    assert [(o["agency"], o["count"]) for o in rem["overdue_tasks"]] == [("mofcom", 1)]
    assert {r["province"] for r in rem["reports"]} <= {"CN-LN", "CN-HE"}


def test_reporting_compliance_and_reports_by_document(d, who):
    demo = get(d, who, f"/api/v1/dashboard/reporting-compliance?document={DEMO}")
    assert [p["province"]["code"] for p in demo["periods"][0]["provinces"]] == ["CN-LN", "CN-HE"]
    assert demo["reporting_rate"] == 0
    every = get(d, who, "/api/v1/dashboard/reporting-compliance?period=2017")
    assert [p["province"]["code"] for p in every["periods"][0]["provinces"]] == \
        ["CN-NM", "CN-LN", "CN-JL", "CN-HL", "CN-HE"]
    assert every["periods"][0]["reporting_rate"] == 0.2
    ne = get(d, who, f"/api/v1/dashboard/reporting-compliance?period=2017&document={NE}")
    assert ne["periods"][0]["reporting_rate"] == 0.25
    assert ptutil.assert_problem(d.get(f"/api/v1/dashboard/reporting-compliance?period=2031&document={DEMO}",
                                       headers=who["observer"]), 404)
    assert [r["province"]["code"] for r in get(d, who, "/api/v1/reports")["items"]] == ["CN-NM"]
    assert [r["province"]["code"] for r in get(d, who, f"/api/v1/reports?document={NE}")["items"]] == ["CN-NM"]
    assert get(d, who, f"/api/v1/reports?document={DEMO}")["items"] == []


def test_the_event_feed_by_document(d, who):
    demo_task = get(d, who, f"/api/v1/tasks?document={DEMO}&status=not_started&limit=1")["items"][0]
    ne_task = get(d, who, f"/api/v1/tasks?document={NE}&status=not_started&limit=1")["items"][0]
    for task in (demo_task, ne_task):
        r = d.request("PATCH", f"/api/v1/tasks/{task['id']}",
                      headers={**who["coordinator"], "Content-Type": "application/json", "If-Match": task["etag"]},
                      body=b'{"status": "in_progress"}')
        assert r.status == 200, r
    ptutil.wait_sealed(d)
    demo = walk(d, who, f"/api/v1/events?document={DEMO}&limit=200")
    assert [(e["subject_type"], e["subject_id"]) for e in demo] == [("task", demo_task["id"])]
    ne = walk(d, who, f"/api/v1/events?document={NE}&limit=200")
    assert ("task", ne_task["id"]) in [(e["subject_type"], e["subject_id"]) for e in ne]
    assert ("task", demo_task["id"]) not in [(e["subject_type"], e["subject_id"]) for e in ne]
    every = walk(d, who, "/api/v1/events?limit=200")
    assert len(every) >= len(demo) + len(ne)


# ---- exports and caches ------------------------------------------------------


def csv_rows(d, who, path):
    r = d.get(path, headers=who["observer"])
    assert r.status == 200, r
    assert r.header("Content-Type").startswith("text/csv")
    return list(csv.DictReader(io.StringIO(r.body.decode("utf-8-sig"), newline="")))


def test_csv_answers_follow_the_document(d, who):
    sec = csv_rows(d, who, f"/api/v1/dashboard/by-section?document={DEMO}&format=csv")
    assert [(r["document"], r["section"], r["tasks"]) for r in sec] == \
        [(DEMO, "3", "4"), (DEMO, "3.1", "4"), (DEMO, "9", "1"), (DEMO, "9.1", "1")]
    mat = csv_rows(d, who, f"/api/v1/dashboard/matrix?document={DEMO}&format=csv")
    assert [(r["document"], r["measure"], r["CN-HE.status"]) for r in mat] == \
        [(DEMO, "3.1.2", "blocked"), (DEMO, "9.1.1", "completed")]
    assert "CN-NM.status" not in mat[0]
    over = csv_rows(d, who, f"/api/v1/dashboard/overdue?document={DEMO}&format=csv")
    assert [(r["document"], r["measure"], r["agency"]) for r in over] == [(DEMO, "3.1.2", "mofcom")]
    summary = csv_rows(d, who, f"/api/v1/dashboard/summary?document={DEMO}&format=csv")
    assert summary[0]["tasks"] == "5"
    docs = csv_rows(d, who, "/api/v1/dashboard/by-document?format=csv")
    assert [r["document"] for r in docs] == [NE, DEMO]
    agencies = csv_rows(d, who, f"/api/v1/dashboard/by-agency?document={DEMO}&format=csv")
    assert [(r["agency"], r["tasks"]) for r in agencies] == [("sipo", "2"), ("mofcom", "3")]


def test_the_cache_keeps_each_documents_answer_apart(d, who):
    first = d.get("/api/v1/dashboard/by-province?province=CN-LN", headers=who["observer"])
    again = d.get("/api/v1/dashboard/by-province?province=CN-LN", headers=who["observer"])
    demo = d.get(f"/api/v1/dashboard/by-province?province=CN-LN&document={DEMO}", headers=who["observer"])
    demo_again = d.get(f"/api/v1/dashboard/by-province?document={DEMO}&province=CN-LN", headers=who["observer"])
    status = [r.header("Cache-Status") for r in (first, again, demo, demo_again)]
    if status[0] == "policytrackd; fwd=bypass":
        pytest.skip("the change feed is not live: the cache is bypassed")
    assert status[1] == "policytrackd; hit" and status[2] == "policytrackd; fwd=miss", status
    assert status[3] == "policytrackd; hit", status
    assert json.loads(demo.body)["rows"][0]["tasks"] == 2
    assert json.loads(first.body)["rows"][0]["tasks"] != 2 and demo.body == demo_again.body


def export(db, *args, expect_rc=0):
    return ptutil.run_cli(["export", "catalogue", *args, "--database-url", db.app_url], expect_rc=expect_rc)


def test_the_catalogue_export_names_and_takes_the_document(db, tmp_path):
    every = list(csv.DictReader(io.StringIO(export(db).stdout[1:], newline="")))
    assert len(every) == 99 and [(r["document"], r["code"]) for r in every][-2:] == [(DEMO, "3.1.2"), (DEMO, "9.1.1")]
    demo = list(csv.DictReader(io.StringIO(export(db, "--document", DEMO).stdout[1:], newline="")))
    assert [(r["document"], r["code"], r["lead_zh"], r["provinces_zh"], r["tasks"]) for r in demo] == \
        [(DEMO, "3.1.2", "商务部", "辽宁省、河北省", "4"), (DEMO, "9.1.1", "商务部", "河北省", "1")]
    items = json.loads(export(db, "--format", "json", "--document", DEMO).stdout)
    assert [(i["document"], i["code"]) for i in items] == [(DEMO, "3.1.2"), (DEMO, "9.1.1")]
    md = export(db, "--format", "markdown", "--document", NE).stdout
    assert md.count("\n| 3.1.2 |") == 1 and "培育老字号品牌" not in md
    out = tmp_path / "nope.csv"
    cp = export(db, "--document", "ne-nope-1999", "--output", str(out), expect_rc=1)
    assert "no document 'ne-nope-1999'" in cp.stderr and NE in cp.stderr and DEMO in cp.stderr
    assert not os.path.exists(out), "a refused export left a file behind"


def test_overdue_work_items_follow_the_document(d, who, db):
    # Last in the module: an overdue work item on the demonstration document's
    # Liaoning task, written as the owner so that no roll-up moves the counts
    # the tests above check.
    ptutil.psql(db.owner_url, f"""
        INSERT INTO work_items (task_id, title_zh, due_date, agency_code, sort_order, created_by)
        SELECT t.id, '示范工作项', current_date - 3, 'mofcom', 1, (SELECT min(id) FROM users)
        FROM tasks t JOIN measures m ON m.id = t.measure_id JOIN documents x ON x.id = m.document_id
        WHERE x.code = '{DEMO}' AND t.agency_code = 'mofcom' AND t.province_code = 'CN-LN';""")
    demo = rows(d, who, "overdue-work-items", document=DEMO)
    assert [(r["document"], r["measure"], r["title_zh"], r["days_overdue"]) for r in demo] == \
        [(DEMO, "3.1.2", "示范工作项", 3)]
    assert rows(d, who, "overdue-work-items", document=NE) == []
    assert [r["document"] for r in rows(d, who, "overdue-work-items")] == [DEMO]
    reminded = get(d, who, f"/api/v1/reminders?days=7&document={NE}")["work_items"]
    assert reminded == []
    assert [w["title_zh"] for w in get(d, who, f"/api/v1/reminders?days=7&document={DEMO}")["work_items"]] == ["示范工作项"]

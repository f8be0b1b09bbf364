"""The dashboards read provinces, agencies and task statuses from their tables:
a fifth province, a tenth agency and a sixth status, added to a fresh
database, show up in every dashboard (the matrix's columns, the summary's
missing reports) with nothing else changed."""

import csv
import io

import pytest

import ptutil

# Added to the notice's catalogue: a province, an agency, a measure of theirs
# in part 3.1 with one task, blocked and overdue, and a status no task has.
ADDITIONS = """
INSERT INTO provinces (code, name_zh, short_zh, name_en, sort_order)
VALUES ('CN-HE', '河北省', '河北', 'Hebei Province', 5);
INSERT INTO agencies (code, name_zh, full_name_zh, name_en, remit_en, sort_order)
VALUES ('cnipa', '新机构', '国家新机构', 'A New Agency', 'Whatever a test gives it.', 100);
INSERT INTO measures (document_id, section_id, code, item, text_zh, text_en, sort_order)
SELECT s.document_id, s.id, '3.1.99', 99, '测试措施。', 'A test measure.', 100000
FROM sections s WHERE s.code = '3.1';
INSERT INTO measure_agencies (measure_id, agency_code, role, rationale)
SELECT id, 'cnipa', 'lead', 'the test says so' FROM measures WHERE code = '3.1.99';
INSERT INTO measure_provinces (measure_id, province_code, rationale)
SELECT id, 'CN-HE', 'the test says so' FROM measures WHERE code = '3.1.99';
INSERT INTO tasks (measure_id, agency_code, province_code, role, status, due_date)
SELECT id, 'cnipa', 'CN-HE', 'lead', 'blocked', current_date - 10 FROM measures WHERE code = '3.1.99';
INSERT INTO task_statuses (status, label_en, label_zh, sort_order)
VALUES ('on_hold', 'On hold', '暂缓', 6);
INSERT INTO periods (code, starts_on, ends_on, due_on)
VALUES ('2017', '2017-01-01', '2017-12-31', '2018-01-31');
"""

PROVINCES = ["CN-NM", "CN-LN", "CN-JL", "CN-HL", "CN-HE"]
STATUSES = ["not_started", "in_progress", "blocked", "completed", "verified", "on_hold"]


@pytest.fixture(scope="module")
def db():
    with ptutil.fresh_database() as db:
        ptutil.migrate(db.owner_url)
        ptutil.psql(db.owner_url, ADDITIONS)
        yield db


@pytest.fixture(scope="module")
def d(module_daemons, db):
    return module_daemons.start(database_url=db.app_url)


@pytest.fixture(scope="module")
def obs(db):
    return ptutil.bearer(ptutil.issue_token(db.app_url, ptutil.make_user(db.app_url, "observer")))


def get(d, obs, path):
    r = d.get(path, headers=obs)
    assert r.status == 200, r
    return r.json()


def figure_keys(row):
    return [k for k in row if k in STATUSES]


def test_matrix_has_a_column_for_every_province(d, obs):
    body = get(d, obs, "/api/v1/dashboard/matrix?limit=200")
    assert body["provinces"] == PROVINCES
    for row in body["rows"]:
        assert list(row) == ["document", "measure", "text_zh"] + PROVINCES, row["measure"]
    row = next(r for r in body["rows"] if r["measure"] == "3.1.99")
    assert row["CN-HE"] == {"status": "blocked", "rag": "red", "tasks": 1, "support": []}
    assert [row[p] for p in PROVINCES[:4]] == [None] * 4

    only = get(d, obs, "/api/v1/dashboard/matrix?province=CN-HE")
    assert [r["measure"] for r in only["rows"]] == ["3.1.99"]
    assert only["provinces"] == PROVINCES

    r = d.get("/api/v1/dashboard/matrix?province=CN-HE&format=csv", headers=obs)
    assert r.status == 200, r
    rows = list(csv.DictReader(io.StringIO(r.body.decode("utf-8-sig"), newline="")))
    assert [(x["measure"], x["CN-HE.status"], x["CN-HE.tasks"]) for x in rows] == [("3.1.99", "blocked", "1")]


def test_summary_counts_the_new_province_and_status(d, obs):
    body = get(d, obs, "/api/v1/dashboard/summary")
    # No province has reported for the current period: all five are missing.
    assert body["reports"]["period"] == "2017"
    assert body["reports"]["by_state"]["missing"] == 5
    totals = body["totals"]
    assert figure_keys(totals) == STATUSES
    assert totals["tasks"] == 743 and totals["on_hold"] == 0
    assert totals["blocked"] == 1 and totals["overdue"] == 1

    mine = get(d, obs, "/api/v1/dashboard/summary?province=CN-HE&agency=cnipa")["totals"]
    assert (mine["tasks"], mine["blocked"], mine["red"], mine["overdue"]) == (1, 1, 1, 1)


def test_breakdowns_have_a_row_for_the_new_province_and_agency(d, obs):
    provinces = get(d, obs, "/api/v1/dashboard/by-province")["rows"]
    assert [r["province"] for r in provinces] == PROVINCES
    he = provinces[-1]
    assert (he["name_zh"], he["tasks"], he["blocked"]) == ("河北省", 1, 1)
    assert figure_keys(he) == STATUSES

    agencies = get(d, obs, "/api/v1/dashboard/by-agency")["rows"]
    assert agencies[-1]["agency"] == "cnipa" and agencies[-1]["tasks"] == 1

    part = next(r for r in get(d, obs, "/api/v1/dashboard/by-section?section=3.1")["rows"]
                if r["section"] == "3.1")
    assert part["blocked"] == 1 and figure_keys(part) == STATUSES

    overdue = get(d, obs, "/api/v1/dashboard/overdue?province=CN-HE")["rows"]
    assert [(r["measure"], r["agency"], r["province_zh"], r["days_overdue"]) for r in overdue] == \
        [("3.1.99", "cnipa", "河北省", 10)]


def test_trend_counts_every_status(d, obs, db):
    day = ptutil.psql_value(db.app_url, "SELECT current_date")
    rows = get(d, obs, f"/api/v1/dashboard/trend?from={day}&to={day}&province=CN-HE")["rows"]
    # The task has no event: from its creation it counts as not started.
    assert [(r["tasks"], r["not_started"], r["on_hold"]) for r in rows] == [(1, 1, 0)]
    assert figure_keys(rows[0]) == STATUSES

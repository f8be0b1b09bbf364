"""Dashboards agree with the task list under every filter, show a write at once,
and their CSV (parsed with a CSV parser) carries the same numbers as the JSON."""

import csv
import io
import json

import pytest

import ptutil

FIGURES = ["tasks", "not_started", "in_progress", "blocked", "completed", "verified", "red", "amber",
           "green", "overdue"]


@pytest.fixture(scope="module")
def d(module_daemons, migrated_db):
    return module_daemons.start(database_url=migrated_db)


@pytest.fixture(scope="module")
def who(migrated_db):
    out = {}
    for name, role, scope in (("obs", "observer", {}), ("coord", "coordinator", {})):
        out[name] = ptutil.bearer(ptutil.issue_token(migrated_db, ptutil.make_user(migrated_db, role, **scope)))
    return out


def get(d, who, path):
    r = d.get(path, headers=who["obs"])
    assert r.status == 200, r
    return r.json()


def all_tasks(d, who, query=""):
    items, path = [], f"/api/v1/tasks?limit=200{'&' + query if query else ''}"
    while path:
        page = get(d, who, path)
        items += page["items"]
        path = page["next"]
    return items


def all_rows(d, who, path):
    """A dashboard's rows, every page of them (the matrix pages)."""
    rows = []
    while path:
        page = get(d, who, path)
        rows += page["rows"]
        path = page.get("next")
    return rows


def figures(tasks):
    out = {k: 0 for k in FIGURES}
    for t in tasks:
        out["tasks"] += 1
        out[t["status"]] += 1
        out[t["rag"]["effective"]] += 1
        out["overdue"] += t["overdue"]
    return out


@pytest.fixture(scope="module")
def some_history(d, who):
    """A few tasks moved, so the figures are not all zero."""
    tasks = all_tasks(d, who, "agency=moc&province=CN-LN")[:3]
    for t, change in zip(tasks, [{"status": "in_progress"}, {"status": "blocked", "note": "no budget"},
                                 {"due_date": "2020-01-01"}]):
        r = d.request("PATCH", f"/api/v1/tasks/{t['id']}",
                      headers={**who["coord"], "Content-Type": "application/json", "If-Match": t["etag"]},
                      body=json.dumps(change).encode())
        assert r.status == 200, r
    return tasks


@pytest.mark.parametrize("query", ["", "agency=moc", "province=CN-LN", "section=4", "section=4.4",
                                   "agency=moc&province=CN-LN", "agency=sipo&section=3.1",
                                   "document=ne-ip-2017&province=CN-JL"])
def test_totals_agree_with_the_task_list(d, who, some_history, query):
    want = figures(all_tasks(d, who, query))
    summary = get(d, who, f"/api/v1/dashboard/summary?{query}")["totals"]
    assert {k: summary[k] for k in FIGURES} == want
    for dash, key in (("by-agency", "agency"), ("by-province", "province"), ("by-document", "document")):
        rows = get(d, who, f"/api/v1/dashboard/{dash}?{query}")["rows"]
        summed = {k: sum(r[k] for r in rows) for k in FIGURES}
        assert summed == want, (dash, query)
    chapters = [r for r in get(d, who, f"/api/v1/dashboard/by-section?{query}")["rows"] if r["level"] == "chapter"]
    assert {k: sum(r[k] for r in chapters) for k in FIGURES} == want, query


def test_by_section_parts_add_up_to_chapters(d, who, some_history):
    rows = get(d, who, "/api/v1/dashboard/by-section")["rows"]
    for chapter in (r for r in rows if r["level"] == "chapter"):
        parts = [r for r in rows if r["level"] == "part" and r["section"].startswith(chapter["section"] + ".")]
        assert chapter["tasks"] == sum(p["tasks"] for p in parts) > 0


def test_a_write_shows_at_once(d, who):
    before = get(d, who, "/api/v1/dashboard/summary?agency=ncac")["totals"]
    t = all_tasks(d, who, "agency=ncac&status=not_started")[0]
    r = d.request("PATCH", f"/api/v1/tasks/{t['id']}",
                  headers={**who["coord"], "Content-Type": "application/json", "If-Match": t["etag"]},
                  body=b'{"status": "in_progress"}')
    assert r.status == 200
    after = get(d, who, "/api/v1/dashboard/summary?agency=ncac")["totals"]
    assert after["in_progress"] == before["in_progress"] + 1
    assert after["not_started"] == before["not_started"] - 1


def test_overdue_list_is_the_overdue_tasks_longest_first(d, who, some_history):
    rows = get(d, who, "/api/v1/dashboard/overdue")["rows"]
    assert {r["task"] for r in rows} == {t["id"] for t in all_tasks(d, who, "overdue=true")}
    days = [r["days_overdue"] for r in rows]
    assert days == sorted(days, reverse=True) and rows


def test_matrix_cells_are_the_lead_tasks(d, who, some_history):
    rows = all_rows(d, who, "/api/v1/dashboard/matrix?agency=moc&province=CN-LN")
    tasks = {t["measure"]: t for t in all_tasks(d, who, "agency=moc&province=CN-LN&role=lead")}
    for row in rows:
        cell = row["CN-LN"]
        if row["measure"] in tasks:
            assert cell["status"] == tasks[row["measure"]]["status"]
            assert cell["rag"] == tasks[row["measure"]]["rag"]["effective"]


def neutralised(text):
    """A text cell as the CSV carries it: with an apostrophe first when a
    spreadsheet would evaluate it (docs/security.md, "Formula injection")."""
    return "'" + text if text and text[0] in "=+-@\t\r" else text


@pytest.mark.parametrize("dash", ["summary", "by-agency", "by-province", "by-document", "by-section", "matrix",
                                  "overdue"])
def test_csv_has_the_json_numbers(d, who, some_history, dash):
    for how in ({"Accept": "text/csv"}, None):
        path = f"/api/v1/dashboard/{dash}" + ("" if how else "?format=csv")
        r = d.get(path, headers={**who["obs"], **(how or {})})
        assert r.status == 200 and r.header("Content-Type").startswith("text/csv"), r
        text = r.body.decode("utf-8")
        assert text.startswith("\ufeff"), "no BOM: Excel would garble the Chinese"
        rows = list(csv.DictReader(io.StringIO(text[1:], newline="")))
        json_rows = all_rows(d, who, f"/api/v1/dashboard/{dash}")
        assert len(rows) == len(json_rows)
        for c, j in zip(rows, json_rows):
            for k, v in j.items():
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    assert float(c[k]) == float(v), (dash, k)
                elif isinstance(v, str):
                    assert c[k] == neutralised(v), (dash, k)


@pytest.mark.parametrize("query,field", [("agency=xyz", "agency"), ("province=CN-XX", "province"),
                                         ("section=9", "section"), ("format=xml", "format"), ("colour=red", "colour")])
def test_bad_filters_are_400(d, who, query, field):
    r = d.get(f"/api/v1/dashboard/by-agency?{query}", headers=who["obs"])
    assert field in ptutil.assert_problem(r, 400)["errors"]


def test_two_instances_agree_after_a_write(daemons, migrated_db, who):
    first = daemons.start(database_url=migrated_db)
    second = daemons.start(database_url=migrated_db)
    t = next(x for x in first.get("/api/v1/tasks?agency=gacc&status=not_started&limit=5",
                                  headers=who["obs"]).json()["items"])
    before = second.get("/api/v1/dashboard/by-agency?agency=gacc", headers=who["obs"]).json()["rows"][0]
    r = first.request("PATCH", f"/api/v1/tasks/{t['id']}",
                      headers={**who["coord"], "Content-Type": "application/json", "If-Match": t["etag"]},
                      body=b'{"status": "in_progress"}')
    assert r.status == 200, r
    # The second instance hears of the write through NOTIFY (test_caches.py times it).
    ptutil.wait_for(lambda: second.get("/api/v1/dashboard/by-agency?agency=gacc", headers=who["obs"])
                    .json()["rows"][0]["in_progress"] == before["in_progress"] + 1,
                    timeout=2.0, what="the write showing on the second instance")
    assert first.get("/api/v1/dashboard/summary", headers=who["obs"]).json() == \
        second.get("/api/v1/dashboard/summary", headers=who["obs"]).json()


def test_a_formula_in_a_note_comes_out_of_the_csv_as_text(d, who, migrated_db):
    """Formula injection: an agency officer's note that Excel would evaluate
    (a link that leaks the file's data or phishes) reaches the coordinator's
    overdue CSV as text, apostrophe first; the JSON keeps it as typed."""
    officer = ptutil.bearer(ptutil.issue_token(migrated_db, ptutil.make_user(migrated_db, "agency", agency="moc")))
    # Any open task of the officer's: a blocked one (an earlier run's, on the
    # same database) is unblocked first, so the test does not use tasks up.
    t = next(x for x in all_tasks(d, who, "agency=moc&role=lead&province=CN-HL")
             if x["status"] in ("not_started", "in_progress", "blocked"))
    if t["status"] == "blocked":
        r = d.request("PATCH", f"/api/v1/tasks/{t['id']}",
                      headers={**officer, "Content-Type": "application/json", "If-Match": t["etag"]},
                      body=json.dumps({"status": "in_progress"}).encode())
        assert r.status == 200, r
        t = r.json()
    note = '=HYPERLINK("http://x","详情")'
    r = d.request("PATCH", f"/api/v1/tasks/{t['id']}",
                  headers={**officer, "Content-Type": "application/json", "If-Match": t["etag"]},
                  body=json.dumps({"status": "blocked", "note": note, "due_date": "2020-02-02"}).encode())
    assert r.status == 200, r
    json_rows = get(d, who, "/api/v1/dashboard/overdue")["rows"]
    assert [x["last_note"] for x in json_rows if x["task"] == t["id"]] == [note]

    r = d.get("/api/v1/dashboard/overdue?format=csv", headers=who["coord"])
    assert r.status == 200 and r.header("Content-Type").startswith("text/csv"), r
    text = r.body.decode("utf-8")
    assert '"\'=HYPERLINK(""http://x"",""详情"")"' in text, text[:2000]
    rows = list(csv.DictReader(io.StringIO(text[1:], newline="")))
    row = next(x for x in rows if x["task"] == str(t["id"]))
    assert row["last_note"] == "'" + note
    assert row["status"] == "blocked" and int(row["days_overdue"]) > 0, row
    # No cell of the whole file starts as a formula would.
    for x in rows:
        for k, v in x.items():
            assert not v or v[0] not in "=+@\t\r" and (v[0] != "-" or v.lstrip("-").replace(".", "").isdigit()), (k, v)

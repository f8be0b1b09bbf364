"""The matrix pages as the lists do (docs/api.md, "Lists: filters and
pages"): limit and cursor, a `next` link that keeps the filters, the same
400s for a bad limit or cursor; walking the pages gives the whole matrix,
which the CSV still is in one answer. Each page is cached apart."""

import csv
import datetime
import io

import pytest

import ptutil


@pytest.fixture(scope="module")
def d(module_daemons, migrated_db):
    return module_daemons.start(database_url=migrated_db)


@pytest.fixture(scope="module")
def obs(migrated_db):
    return ptutil.bearer(ptutil.issue_token(migrated_db, ptutil.make_user(migrated_db, "observer")))


def get(d, obs, path):
    r = d.get(path, headers=obs)
    assert r.status == 200, r
    return r.json()


def walk(d, obs, path):
    rows, pages, seen = [], [], set()
    while path:
        page = get(d, obs, path)
        rows += page["rows"]
        pages.append(page)
        assert path not in seen, "a next link repeats"
        seen.add(path)
        path = page["next"]
    return rows, pages


def csv_rows(d, obs, path):
    r = d.get(path, headers=obs)
    assert r.status == 200 and r.header("Content-Type").startswith("text/csv"), r
    return list(csv.DictReader(io.StringIO(r.body.decode("utf-8-sig"), newline="")))


def test_a_page_holds_50_rows_by_default_and_says_where_the_next_is(d, obs):
    first = get(d, obs, "/api/v1/dashboard/matrix")
    assert list(first) == ["provinces", "rows", "limit", "next"]
    assert first["limit"] == 50 and len(first["rows"]) == 50
    assert first["next"].startswith("/api/v1/dashboard/matrix?limit=50&cursor=")
    second = get(d, obs, first["next"])
    assert second["provinces"] == first["provinces"]
    assert second["rows"][0]["measure"] not in {r["measure"] for r in first["rows"]}


@pytest.mark.parametrize("query", ["", "section=3", "agency=moc", "province=CN-LN&section=3.1",
                                   # tomorrow: every task, rebuilt from its events
                                   f"as_of={datetime.date.today() + datetime.timedelta(days=1)}"])
def test_walking_the_pages_gives_every_row_once_as_the_csv_has_them(d, obs, query):
    """The kept rows (no filter, section) and the scan (agency, province,
    as_of) page alike, and the CSV is every row at once."""
    sep = "&" if query else ""
    # As of a day too, many more than five runs of the scan on a connection
    # (PostgreSQL's generic plan: test_dashboards_as_of_plans.py).
    size = 3
    rows, pages = walk(d, obs, f"/api/v1/dashboard/matrix?{query}{sep}limit={size}")
    assert all(len(p["rows"]) == size for p in pages[:-1]) and pages[-1]["next"] is None
    assert len(pages) > 1
    for p in pages[:-1]:
        # The next link keeps the filters.
        assert all(pair in p["next"] for pair in filter(None, query.split("&"))), p["next"]
    whole = csv_rows(d, obs, f"/api/v1/dashboard/matrix?{query}{sep}format=csv")
    assert [r["measure"] for r in rows] == [r["measure"] for r in whole]
    assert len(rows) == len({r["measure"] for r in rows}) > size
    big = get(d, obs, f"/api/v1/dashboard/matrix?{query}{sep}limit=200")
    assert big["rows"] == rows and big["next"] is None


@pytest.mark.parametrize("query, field, message", [
    ("limit=0", "limit", "must be a whole number from 1 to 200"),
    ("limit=201", "limit", "must be a whole number from 1 to 200"),
    ("cursor=bm90LWRpZ2l0cw", "cursor", "is not a cursor this server issued; follow the `next` link"),
    ("format=csv&limit=5", "limit", "the CSV is the whole matrix; limit and cursor page its JSON"),
    ("format=csv&cursor=MTAwMDAwMDE", "cursor", "the CSV is the whole matrix; limit and cursor page its JSON"),
])
def test_a_bad_limit_or_cursor_is_the_lists_400(d, obs, query, field, message):
    body = ptutil.assert_problem(d.get(f"/api/v1/dashboard/matrix?{query}", headers=obs), 400)
    assert body["type"] == "urn:policytrack:problem:invalid-query"
    assert body["errors"] == {field: message}


def test_each_page_is_kept_apart_and_a_write_empties_them(d, obs, migrated_db):
    first = d.get("/api/v1/dashboard/matrix?limit=5", headers=obs)
    again = d.get("/api/v1/dashboard/matrix?limit=5", headers=obs)
    assert again.header("Cache-Status") == "policytrackd; hit" and again.body == first.body
    # The same page spelt without limit=5 is another page size; with it, another position.
    other = d.get("/api/v1/dashboard/matrix?limit=6", headers=obs)
    assert other.header("Cache-Status") == "policytrackd; fwd=miss"
    nxt = d.get(first.json()["next"], headers=obs)
    assert nxt.header("Cache-Status") == "policytrackd; fwd=miss"
    assert nxt.json()["rows"][0] == other.json()["rows"][5]
    # The default page and limit=50 are one answer.
    d.get("/api/v1/dashboard/matrix", headers=obs)
    assert d.get("/api/v1/dashboard/matrix?limit=50", headers=obs).header("Cache-Status") == "policytrackd; hit"

"""Search by substring over the measures' text (q=) on tasks and measures:
Chinese and English, case-insensitive in English, LIKE's wildcards taken
literally, combined with the other filters, backed by trigram indexes."""

import urllib.parse

import pytest

import ptutil


@pytest.fixture(scope="module")
def d(module_daemons, migrated_db):
    return module_daemons.start(database_url=migrated_db)


def tasks(d, auth, **params):
    items, path = [], "/api/v1/tasks?" + urllib.parse.urlencode({**params, "limit": 200})
    while path:
        r = d.get(path, headers=auth)
        assert r.status == 200, r
        page = r.json()
        items += page["items"]
        path = page["next"]
    return items


def measure_text(d, auth, code):
    return d.get(f"/api/v1/measures/{code}", headers=auth).json()


def test_tasks_found_by_chinese_text(d, observer_auth):
    found = tasks(d, observer_auth, q="老字号")
    assert found, "no task of a measure about 老字号"
    for t in found:
        assert "老字号" in measure_text(d, observer_auth, t["measure"])["text_zh"]
    # Every task of those measures is found, nothing else.
    codes = {t["measure"] for t in found}
    expected = sum(measure_text(d, observer_auth, c)["task_count"] for c in codes)
    assert len(found) == expected


def test_tasks_found_by_english_text_case_insensitively(d, observer_auth):
    lower = {t["id"] for t in tasks(d, observer_auth, q="time-honoured")}
    upper = {t["id"] for t in tasks(d, observer_auth, q="TIME-HONOURED")}
    assert lower and lower == upper


def test_search_combines_with_filters(d, observer_auth):
    all_found = tasks(d, observer_auth, q="知识产权")
    in_ln = tasks(d, observer_auth, q="知识产权", province="CN-LN")
    assert in_ln and len(in_ln) < len(all_found)
    assert all(t["province"]["code"] == "CN-LN" for t in in_ln)


def test_wildcards_are_literal_and_nothing_found_is_empty(d, observer_auth):
    assert tasks(d, observer_auth, q="%") == []
    assert tasks(d, observer_auth, q="_") == []
    assert tasks(d, observer_auth, q="没有这样的措施文本") == []


def test_bad_search_is_a_clear_400(d, observer_auth):
    r = d.get("/api/v1/tasks?q=" + urllib.parse.quote("字" * 201), headers=observer_auth)
    body = ptutil.assert_problem(r, 400)
    assert "q" in body["errors"]


def test_search_is_indexed(migrated_db):
    plan = ptutil.psql(migrated_db, "SET enable_seqscan = off;\n"
                                    "EXPLAIN SELECT id FROM measures WHERE text_zh LIKE '%知识产权%' "
                                    "OR text_en ILIKE '%intellectual%';\n").stdout
    assert "measures_text_zh_trgm" in plan and "measures_text_en_trgm" in plan, plan

"""Evaluation from the outside: seeded indicators against the goal text,
recorded values and their validation, evaluations superseded not edited, and a
scorecard checked against a case computed by hand."""

import json
import secrets

import pytest

import ptutil

GOALS = "专利、商标、版权等各类知识产权年均增长率、人均拥有量高于全国平均水平"


@pytest.fixture(scope="module")
def d(module_daemons, fresh_module_db):
    return module_daemons.start(database_url=fresh_module_db.app_url)


@pytest.fixture(scope="module")
def fresh_module_db():
    # A database of its own: the scorecard arithmetic must not see other tests' data.
    with ptutil.fresh_database() as db:
        ptutil.migrate(db.owner_url)
        yield db


@pytest.fixture(scope="module")
def who(fresh_module_db):
    url = fresh_module_db.app_url
    return {name: ptutil.bearer(ptutil.issue_token(url, ptutil.make_user(url, role, **scope)))
            for name, (role, scope) in {"coord": ("coordinator", {}), "obs": ("observer", {}),
                                         "moa": ("agency", {"agency": "moa"}),
                                         "ln": ("province", {"province": "CN-LN"})}.items()}


def call(d, who, name, method, path, body=None):
    headers = dict(who[name])
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    return d.request(method, path, headers=headers, body=data)


def put_value(d, who, code, province, year, body, name="coord"):
    return call(d, who, name, "PUT", f"/api/v1/indicators/{code}/values/{province}/{year}", body)


def test_seeded_indicators_quote_the_goals(d, who, fresh_module_db):
    items = d.get("/api/v1/indicators?limit=200", headers=who["obs"]).json()["items"]
    codes = {i["code"] for i in items}
    assert {"patent_growth", "patent_per_10k", "trademark_growth", "trademark_per_10k",
            "copyright_growth", "copyright_per_10k"} <= codes
    goals = ptutil.psql_value(fresh_module_db.owner_url, "SELECT body_zh FROM sections WHERE code = '2.2'")
    assert GOALS in goals
    for i in items:
        assert i["seeded"] and i["goal_zh"] in goals, i["code"]
        assert i["direction"] == "higher_better" and i["comparison"] in ("national", "target")
    count = ptutil.psql_value(fresh_module_db.owner_url, "SELECT count(*) FROM indicator_values")
    assert count == "0", "no figure may be seeded"


@pytest.mark.parametrize("path,body,status", [
    ("/api/v1/indicators/nope/values/CN-LN/2017", {"value": 1, "source": "s"}, 404),
    ("/api/v1/indicators/patent_growth/values/CN-XX/2017", {"value": 1, "source": "s"}, 404),
    ("/api/v1/indicators/patent_growth/values/liaoning/2017", {"value": 1, "source": "s"}, 400),
    ("/api/v1/indicators/patent_growth/values/CN-LN/1999", {"value": 1, "source": "s"}, 400),
    ("/api/v1/indicators/patent_growth/values/CN-LN/20x7", {"value": 1, "source": "s"}, 400),
    ("/api/v1/indicators/patent_growth/values/CN-LN/2017", {"value": "12.5", "source": "s"}, 400),
    ("/api/v1/indicators/patent_growth/values/CN-LN/2017", {"value": 12.5}, 400),
    ("/api/v1/indicators/patent_growth/values/CN-LN/2017", {"value": 12.5, "source": "s", "synthetic": True}, 400),
])
def test_value_validation(d, who, path, body, status):
    ptutil.assert_problem(call(d, who, "coord", "PUT", path, body), status)


def test_only_coordinators_write(d, who):
    for name in ("obs", "moa", "ln"):
        ptutil.assert_problem(put_value(d, who, "patent_growth", "CN-LN", 2016, {"value": 1, "source": "s"}, name), 403)
        ptutil.assert_problem(call(d, who, name, "POST", "/api/v1/evaluations", {}), 403)
        ptutil.assert_problem(call(d, who, name, "POST", "/api/v1/indicators", {}), 403)


def test_values_are_recorded_replaced_and_logged(d, who):
    r = put_value(d, who, "trademark_growth", "CN-JL", 2016, {"value": 3.5, "national_value": 4.0, "source": "SAIC"})
    assert r.status == 201 and r.json()["version"] == 1 and r.json()["synthetic"] is False
    r = put_value(d, who, "trademark_growth", "CN-JL", 2016, {"value": 3.7, "national_value": 4.0, "source": "SAIC, revised"})
    assert r.status == 200 and r.json()["version"] == 2
    listed = d.get("/api/v1/indicators/trademark_growth/values?province=CN-JL&from=2016&to=2016",
                   headers=who["obs"]).json()["items"]
    assert [(v["year"], v["value"]) for v in listed] == [(2016, 3.7)]
    feed = ptutil.event_feed(d, who["obs"])
    recorded = [e for e in feed if e["kind"] == "indicator_value.recorded"
                and e["changes"]["indicator"] == "trademark_growth"]
    assert [e["changes"]["value"] for e in recorded][-1] == {"from": 3.5, "to": 3.7}


def test_evaluations_are_superseded_never_edited(d, who, fresh_module_db):
    call(d, who, "coord", "POST", "/api/v1/periods",
         {"code": "2016", "starts_on": "2016-01-01", "ends_on": "2016-12-31", "due_on": "2017-01-31"})
    first = call(d, who, "coord", "POST", "/api/v1/evaluations",
                 {"subject_type": "measure", "subject": "3.1.2", "period": "2016", "score": 72, "findings": "Started."})
    assert first.status == 201 and first.json()["rating"] == "good"
    second = call(d, who, "coord", "POST", "/api/v1/evaluations",
                  {"subject_type": "measure", "subject": "3.1.2", "period": "2016", "score": 90, "findings": "Done well."})
    assert second.json()["supersedes"] == first.json()["id"] and second.json()["rating"] == "excellent"
    both = d.get("/api/v1/evaluations?subject_type=measure&subject=3.1.2", headers=who["obs"]).json()["items"]
    assert [(e["id"], e["current"]) for e in both] == [(first.json()["id"], False), (second.json()["id"], True)]
    assert both[0]["superseded_by"] == second.json()["id"]
    cp = ptutil.psql(fresh_module_db.owner_url,
                     f"UPDATE evaluations SET score = 10 WHERE id = {first.json()['id']};", check=False)
    assert cp.returncode != 0 and "never edited" in cp.stderr
    bad = call(d, who, "coord", "POST", "/api/v1/evaluations",
               {"subject_type": "measure", "subject": "3.1.2", "period": "2016", "score": 90, "rating": "fair",
                "findings": "x"})
    assert "rating" in ptutil.assert_problem(bad, 400)["errors"]
    for body, field in [({"subject_type": "measure", "subject": "9.9.9", "period": "2016", "score": 50, "findings": "x"}, "subject"),
                        ({"subject_type": "measure", "subject": "3.1.2", "period": "1999", "score": 50, "findings": "x"}, "period"),
                        ({"subject_type": "measure", "subject": "3.1.2", "period": "2016", "score": 101, "findings": "x"}, "score")]:
        assert field in ptutil.assert_problem(call(d, who, "coord", "POST", "/api/v1/evaluations", body), 400)["errors"]


def test_scorecard_against_a_hand_computed_case(d, who, fresh_module_db):
    year = "2017"
    call(d, who, "coord", "POST", "/api/v1/periods",
         {"code": year, "starts_on": "2017-01-01", "ends_on": "2017-12-31", "due_on": "2018-01-31"})
    # Liaoning: beats the national patent growth, trails on patents per 10,000 people, meets a target.
    put_value(d, who, "patent_growth", "CN-LN", 2017, {"value": 12.5, "national_value": 10.0, "source": "s"})
    put_value(d, who, "patent_per_10k", "CN-LN", 2017, {"value": 7.1, "national_value": 9.8, "source": "s"})
    put_value(d, who, "ip_strong_cities", "CN-LN", 2017, {"value": 3, "target": 2, "source": "s"})
    # A value without its national figure says nothing about the goal: missing, not failed.
    put_value(d, who, "trademark_growth", "CN-LN", 2017, {"value": 5, "source": "s"})
    call(d, who, "coord", "POST", "/api/v1/evaluations",
         {"subject_type": "province", "subject": "CN-LN", "period": year, "score": 80, "findings": "Solid."})
    # Two of Liaoning's tasks completed out of all of its tasks.
    owner = fresh_module_db.owner_url
    ptutil.psql(owner, "UPDATE tasks SET status = 'completed', progress = 100 "
                       "WHERE id IN (SELECT id FROM tasks WHERE province_code = 'CN-LN' ORDER BY id LIMIT 2);")
    total = int(ptutil.psql_value(owner, "SELECT count(*) FROM tasks WHERE province_code = 'CN-LN'"))
    card = d.get(f"/api/v1/scorecards?period={year}", headers=who["obs"]).json()
    assert card["weights"] == {"indicators": 0.4, "task_completion": 0.3, "report_timeliness": 0.1, "evaluation": 0.2}
    assert [p["province"]["code"] for p in card["provinces"]] == ["CN-NM", "CN-LN", "CN-JL", "CN-HL"]
    ln = card["provinces"][1]
    met = {i["code"]: i["met"] for i in ln["indicators"]}
    assert met["patent_growth"] is True and met["patent_per_10k"] is False and met["ip_strong_cities"] is True
    assert met["trademark_growth"] is None and met["copyright_growth"] is None
    indicators = round(100 * 2 / 3, 2)             # weights are 1 each: 2 of 3 with data met
    completion = round(100 * 2 / total, 2)
    timeliness = 0.0                               # 2017 was due and nothing was filed
    evaluation = 80.0
    assert ln["components"] == {"indicators": indicators, "task_completion": completion,
                                "report_timeliness": timeliness, "evaluation": evaluation}
    composite = round((0.4 * indicators + 0.3 * completion + 0.1 * timeliness + 0.2 * evaluation) / 1.0, 2)
    assert ln["composite"] == pytest.approx(composite, abs=0.011)
    # Jilin has no indicator values and no evaluation: missing, and the weights of what is there.
    jl = card["provinces"][2]
    assert jl["components"]["indicators"] is None and jl["components"]["evaluation"] is None
    assert set(jl["missing"]) == {"indicators", "evaluation"}
    assert jl["composite"] == pytest.approx(round((0.3 * jl["components"]["task_completion"] + 0.1 * 0) / 0.4, 2),
                                            abs=0.011)
    only = d.get(f"/api/v1/scorecards?period={year}&province=CN-LN", headers=who["obs"]).json()
    assert [p["province"]["code"] for p in only["provinces"]] == ["CN-LN"]
    ptutil.assert_problem(d.get("/api/v1/scorecards", headers=who["obs"]), 400)
    ptutil.assert_problem(d.get("/api/v1/scorecards?period=2099", headers=who["obs"]), 404)


def test_no_indicator_met_scores_zero_not_missing(d, who):
    call(d, who, "coord", "POST", "/api/v1/periods",
         {"code": "2015", "starts_on": "2015-01-01", "ends_on": "2015-12-31", "due_on": "2099-01-31"})
    put_value(d, who, "patent_growth", "CN-HL", 2015, {"value": 1, "national_value": 5, "source": "s"})
    card = d.get("/api/v1/scorecards?period=2015&province=CN-HL", headers=who["obs"]).json()
    (hl,) = card["provinces"]
    assert hl["components"]["indicators"] == 0 and "indicators" not in hl["missing"]
    assert hl["components"]["report_timeliness"] is None, "a period not yet due does not count"
    ptutil.assert_problem(d.get("/api/v1/scorecards?period=2015&province=CN-XX", headers=who["obs"]), 404)

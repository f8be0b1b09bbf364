"""The catalogue's read API: every answer matches its schema in api/openapi.yaml,
filters narrow exactly, pagination returns every row once, and bad filters are
400 problems."""

import urllib.parse

import jsonschema
import pytest
import yaml

import ptutil

SPEC = yaml.safe_load((ptutil.ROOT / "api" / "openapi.yaml").read_text(encoding="utf-8"))


def validate(body, schema_name):
    schema = {"$ref": f"#/components/schemas/{schema_name}"}
    resolver = jsonschema.RefResolver.from_schema(SPEC)
    jsonschema.Draft202012Validator(schema, resolver=resolver).validate(body)


class Client:
    """The daemon, called with an observer's token."""

    def __init__(self, daemon, headers):
        self.daemon, self.headers = daemon, headers

    def get(self, path):
        return self.daemon.get(path, headers=self.headers)


@pytest.fixture(scope="module")
def d(module_daemons, migrated_db, observer_auth):
    return Client(module_daemons.start(database_url=migrated_db), observer_auth)


def get_json(d, path, status=200):
    r = d.get(path)
    assert r.status == status, f"GET {path}: {r!r}"
    if status >= 400:
        ptutil.assert_problem(r, status)
    return r.json()


def walk(d, path):
    """Every item of a list, following `next` links; also returns the page count."""
    items, pages = [], 0
    while path:
        body = get_json(d, path)
        items += body["items"]
        pages += 1
        assert pages < 1000, "pagination does not end"
        path = body["next"]
    return items, pages


@pytest.mark.parametrize("path,schema", [
    ("/api/v1/agencies", "AgencyPage"),
    ("/api/v1/agencies/sipo", "Agency"),
    ("/api/v1/provinces", "ProvincePage"),
    ("/api/v1/provinces/CN-LN", "ProvinceDetail"),
    ("/api/v1/documents", "DocumentPage"),
    ("/api/v1/documents/ne-ip-2017", "DocumentDetail"),
    ("/api/v1/measures?limit=200", "MeasurePage"),
    ("/api/v1/measures/3.1.2", "MeasureDetail"),
    ("/api/v1/tasks?limit=200", "TaskPage"),
    ("/api/v1/tasks/1", "TaskDetail"),
])
def test_answers_match_the_openapi_schemas(d, path, schema):
    validate(get_json(d, path), schema)


def test_agencies_and_provinces(d):
    agencies = get_json(d, "/api/v1/agencies")["items"]
    assert [a["code"] for a in agencies] == ["sipo", "ndrc", "most", "miit", "moa", "moc", "gacc", "saic", "ncac"]
    successors = {a["code"]: (a["successor"] or {}).get("abbr_en") for a in agencies}
    assert successors == {"sipo": "CNIPA", "ndrc": None, "most": None, "miit": None, "moa": "MARA",
                          "moc": "MCT", "gacc": None, "saic": "SAMR", "ncac": None}
    provinces = get_json(d, "/api/v1/provinces")["items"]
    assert [p["code"] for p in provinces] == ["CN-NM", "CN-LN", "CN-JL", "CN-HL"]
    liaoning = get_json(d, "/api/v1/provinces/CN-LN")
    names = {l["name_zh"] for l in liaoning["localities"]}
    assert {"沈阳", "大连", "丹东"} <= names, names


def test_document_tree_counts_add_up(d):
    doc = get_json(d, "/api/v1/documents/ne-ip-2017")
    assert get_json(d, f"/api/v1/documents/{doc['id']}")["code"] == "ne-ip-2017"
    assert [c["code"] for c in doc["sections"]] == [str(i) for i in range(1, 8)]
    assert doc["signed_on"] == "2017-02-27" and doc["published_on"] == "2017-03-28"
    assert len(doc["issuers"]) == 9 and len(doc["recipients"]) == 4
    for chapter in doc["sections"]:
        assert chapter["measures"] == sum(p["measures"] for p in chapter["parts"]), chapter["code"]
        assert chapter["tasks"] == sum(p["tasks"] for p in chapter["parts"]), chapter["code"]
        if int(chapter["code"]) >= 3:
            assert chapter["parts"] and all(p["measures"] > 0 for p in chapter["parts"]), chapter["code"]
    assert doc["measures"] == sum(c["measures"] for c in doc["sections"]) >= 90
    tasks, _ = walk(d, "/api/v1/tasks?limit=200")
    assert doc["tasks"] == sum(c["tasks"] for c in doc["sections"]) == len(tasks)


@pytest.mark.parametrize("limit", [1, 7, 50, 200])
def test_walking_measures_returns_each_once(d, limit):
    items, pages = walk(d, f"/api/v1/measures?limit={limit}")
    codes = [m["code"] for m in items]
    assert len(codes) == len(set(codes)) >= 90
    assert pages == -(-len(codes) // limit) or (len(codes) % limit == 0 and pages == len(codes) // limit + 1)


@pytest.mark.parametrize("query", ["limit=13", "limit=200", "agency=sipo&limit=29", "province=CN-HL&status=not_started&limit=100"])
def test_walking_tasks_returns_each_once(d, query):
    items, _ = walk(d, f"/api/v1/tasks?{query}")
    ids = [t["id"] for t in items]
    assert len(ids) == len(set(ids)) and ids == sorted(ids)
    everything, _ = walk(d, "/api/v1/tasks?limit=200")
    want = [t["id"] for t in everything
            if all(t[k]["code"] == v if isinstance(t[k], dict) else t[k] == v
                   for k, v in urllib.parse.parse_qsl(query) if k != "limit")]
    assert ids == want


def test_next_link_keeps_the_filters(d):
    body = get_json(d, "/api/v1/measures?province=CN-LN&limit=3")
    nxt = urllib.parse.urlsplit(body["next"])
    q = dict(urllib.parse.parse_qsl(nxt.query))
    assert nxt.path == "/api/v1/measures" and q["province"] == "CN-LN" and q["limit"] == "3" and q["cursor"]


def test_measure_filters(d):
    everything, _ = walk(d, "/api/v1/measures?limit=200")
    by_code = {m["code"]: m for m in everything}
    cases = {
        "agency=moa": lambda m: any(a["code"] == "moa" for a in m["agencies"]),
        "agency=sipo&role=support": lambda m: any(a["code"] == "sipo" and a["role"] == "support" for a in m["agencies"]),
        "role=support": lambda m: any(a["role"] == "support" for a in m["agencies"]),
        "province=CN-JL": lambda m: any(p["code"] == "CN-JL" for p in m["provinces"]),
        "section=4": lambda m: m["chapter"] == 4,
        "section=4.3": lambda m: m["section"] == "4.3",
        "q=" + urllib.parse.quote("大连"): lambda m: "大连" in m["text_zh"],
        "q=PATENT": lambda m: "patent" in m["text_en"].lower(),
    }
    for query, keep in cases.items():
        got, _ = walk(d, f"/api/v1/measures?limit=200&{query}")
        want = [c for c, m in by_code.items() if keep(m)]
        assert [m["code"] for m in got] == want, query
        assert want, f"{query} matches nothing: a vacuous case"


def test_search_wildcards_match_themselves(d):
    assert get_json(d, "/api/v1/measures?q=%25")["items"] == []
    assert get_json(d, "/api/v1/measures?q=_")["items"] == []


def test_place_named_measures_target_only_their_province(d):
    places = {"辽宁": "CN-LN", "吉林": "CN-JL", "黑龙江": "CN-HL", "内蒙古": "CN-NM"}
    for code in list(places.values()):
        for loc in get_json(d, f"/api/v1/provinces/{code}")["localities"]:
            places[loc["name_zh"]] = code
    for m in walk(d, "/api/v1/measures?limit=200")[0]:
        named = {code for name, code in places.items() if name in m["text_zh"]}
        provinces = {p["code"] for p in m["provinces"]}
        if named:
            assert provinces == named, m["code"]
        else:
            assert provinces == {"CN-NM", "CN-LN", "CN-JL", "CN-HL"}, m["code"]


def test_measure_detail_agrees_with_task_list(d):
    m = get_json(d, "/api/v1/measures/4.3.4")
    assert all("rationale" in a for a in m["agencies"]) and all("rationale" in p for p in m["provinces"])
    tasks, _ = walk(d, "/api/v1/tasks?measure=4.3.4&limit=200")
    assert sorted(t["id"] for t in m["tasks"]) == [t["id"] for t in tasks]
    assert m["task_count"] == len(tasks) == len(m["agencies"]) * len(m["provinces"])


@pytest.mark.parametrize("path,field", [
    ("/api/v1/measures?agency=xyz", "agency"),
    ("/api/v1/measures?agency=X1", "agency"),
    ("/api/v1/measures?province=CN-XX", "province"),
    ("/api/v1/measures?province=liaoning", "province"),
    ("/api/v1/measures?section=9.9", "section"),
    ("/api/v1/measures?section=3.", "section"),
    ("/api/v1/measures?role=boss", "role"),
    ("/api/v1/measures?limit=0", "limit"),
    ("/api/v1/measures?limit=201", "limit"),
    ("/api/v1/measures?limit=ten", "limit"),
    ("/api/v1/measures?cursor=garbage!", "cursor"),
    ("/api/v1/measures?cursor=YWJj", "cursor"),
    ("/api/v1/measures?colour=red", "colour"),
    ("/api/v1/measures?agency=sipo&agency=moa", "agency"),
    ("/api/v1/measures?q=", "q"),
    ("/api/v1/measures?q=" + "x" * 201, "q"),
    ("/api/v1/tasks?status=done", "status"),
    ("/api/v1/tasks?measure=9.9.9", "measure"),
    ("/api/v1/tasks?measure=3.1", "measure"),
    ("/api/v1/agencies?sort=name", "sort"),
    ("/api/v1/agencies/sipo?x=1", "x"),
])
def test_bad_filters_are_400_naming_the_parameter(d, path, field):
    body = get_json(d, path, status=400)
    assert field in body.get("errors", {}), body


def test_bad_query_encoding_is_400(d):
    for path in ["/api/v1/measures?q=%FF", "/api/v1/measures?q=%00", "/api/v1/measures?q=%zz"]:
        get_json(d, path, status=400)


@pytest.mark.parametrize("path", ["/api/v1/agencies/nope", "/api/v1/provinces/CN-XX", "/api/v1/documents/999",
                                  "/api/v1/documents/nope", "/api/v1/measures/9.9.9", "/api/v1/tasks/999999",
                                  "/api/v1/tasks/abc"])
def test_unknown_objects_are_404(d, path):
    get_json(d, path, status=404)

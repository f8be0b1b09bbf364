"""The organisation tree below each province (issue 20, item 4) from the
outside: the notice's localities are nodes of it; coordinators and admins add
cities, counties and zones under the rules of sql/definitions/62_org_nodes.sql,
each with its event in the trail; everyone else is refused; bad input is a
clear problem and changes nothing.

Nodes made here live in Jilin (CN-JL) under codes no other module uses."""

import json

import pytest

import ptutil


@pytest.fixture(scope="module")
def d(module_daemons, migrated_db):
    return module_daemons.start(database_url=migrated_db)


@pytest.fixture(scope="module")
def who(migrated_db):
    specs = {"coord": ("coordinator", {}), "admin": ("admin", {}), "obs": ("observer", {}),
             "sipo": ("agency", {"agency": "sipo"}), "jl": ("province", {"province": "CN-JL"})}
    out = {}
    for name, (role, scope) in specs.items():
        user = ptutil.make_user(migrated_db, role, **scope)
        out[name] = ptutil.bearer(ptutil.issue_token(migrated_db, user))
    return out


def tree(d, who, province, name="obs"):
    r = d.get(f"/api/v1/provinces/{province}/nodes", headers=who[name])
    assert r.status == 200, r
    return r.json()


def add(d, who, province, body, name="coord", raw=None):
    headers = {"Content-Type": "application/json", **who[name]}
    data = raw if raw is not None else json.dumps(body).encode()
    return d.request("POST", f"/api/v1/provinces/{province}/nodes", headers=headers, body=data)


def node_events(db):
    return int(ptutil.psql_value(db, "SELECT count(*) FROM events WHERE subject_type = 'org_node'"))


def test_the_notices_localities_are_nodes(d, who):
    ln = tree(d, who, "CN-LN")
    assert ln["province"] == "CN-LN"
    by_code = {n["code"]: n for n in ln["items"]}
    assert by_code["CN-LN-DALIAN"] == {
        "code": "CN-LN-DALIAN", "province": "CN-LN", "parent": None, "kind": "city",
        "name_zh": "大连", "name_en": "Dalian", "sort_order": 2, "depth": 1, "from_locality": True}
    # A park inside a city the notice names hangs under it, right after it.
    park = by_code["CN-LN-SHENYANG-SGP"]
    assert (park["parent"], park["kind"], park["depth"]) == ("CN-LN-SHENYANG", "zone", 2)
    codes = [n["code"] for n in ln["items"]]
    assert codes.index("CN-LN-SHENYANG-SGP") == codes.index("CN-LN-SHENYANG") + 1
    # Every locality of every province is one node, no more.
    for p in ("CN-LN", "CN-JL", "CN-HL", "CN-NM"):
        localities = d.get(f"/api/v1/provinces/{p}", headers=who["obs"]).json()["localities"]
        nodes = [n for n in tree(d, who, p)["items"] if n["from_locality"]]
        assert sorted(n["name_zh"] for n in nodes) == sorted(loc["name_zh"] for loc in localities)
    assert {n["kind"] for n in ln["items"]} == {"city", "region", "zone"}


def test_every_role_reads_the_tree(d, who):
    for name in who:
        assert tree(d, who, "CN-HL", name)["items"], name


def test_no_such_province_is_404(d, who):
    r = d.get("/api/v1/provinces/CN-XX/nodes", headers=who["obs"])
    assert r.status == 404 and r.media_type == "application/problem+json", r
    assert "CN-XX" in r.json()["detail"]
    r = add(d, who, "CN-XX", {"code": "CN-XX-A", "kind": "city", "name_zh": "甲", "name_en": "A"})
    assert r.status == 404, r


def test_a_coordinator_builds_city_county_zone(d, who, migrated_db):
    before = node_events(migrated_db)
    r = add(d, who, "CN-JL", {"code": "CN-JL-JILIN", "kind": "city", "name_zh": "吉林市", "name_en": "Jilin City"})
    assert r.status == 201, r
    city = r.json()
    assert (city["code"], city["parent"], city["depth"], city["from_locality"]) == ("CN-JL-JILIN", None, 1, False)
    r = add(d, who, "CN-JL", {"code": "CN-JL-JILIN-CY", "parent": "CN-JL-JILIN", "kind": "county",
                              "name_zh": "船营区", "name_en": "Chuanying District"})
    assert r.status == 201, r
    assert (r.json()["parent"], r.json()["depth"]) == ("CN-JL-JILIN", 2)
    r = add(d, who, "CN-JL", {"code": "CN-JL-JILIN-CY-P1", "parent": "CN-JL-JILIN-CY", "kind": "zone",
                              "name_zh": "船营经济开发区", "name_en": "Chuanying Economic Development Zone"},
            name="admin")
    assert r.status == 201, r
    assert r.json()["depth"] == 3
    codes = [n["code"] for n in tree(d, who, "CN-JL")["items"]]
    i = codes.index("CN-JL-JILIN")
    assert codes[i:i + 3] == ["CN-JL-JILIN", "CN-JL-JILIN-CY", "CN-JL-JILIN-CY-P1"]
    # Each node has its event, with every field set anew; the chain holds.
    assert node_events(migrated_db) == before + 3
    changes = json.loads(ptutil.psql_value(
        migrated_db, "SELECT changes FROM events WHERE subject_type = 'org_node' ORDER BY id DESC LIMIT 1"))
    assert changes["parent"] == {"from": None, "to": "CN-JL-JILIN-CY"}
    assert changes["kind"] == {"from": None, "to": "zone"}
    ptutil.run_cli(["audit", "verify", "--database-url", migrated_db], expect_rc=0)


@pytest.mark.parametrize("name", ["obs", "sipo", "jl"])
def test_other_roles_may_not_add(d, who, migrated_db, name):
    before = node_events(migrated_db)
    r = add(d, who, "CN-JL", {"code": "CN-JL-X9", "kind": "city", "name_zh": "乙", "name_en": "B"}, name=name)
    assert r.status == 403 and r.media_type == "application/problem+json", r
    assert node_events(migrated_db) == before


@pytest.mark.parametrize("body, status, field", [
    ({"code": "CN-JL-SP", "kind": "county", "name_zh": "四平", "name_en": "Siping"}, 400, "parent"),
    ({"code": "CN-JL-CHANGCHUN-NA", "parent": "CN-JL-CHANGCHUN", "kind": "city", "name_zh": "南关",
      "name_en": "Nanguan"}, 400, "parent"),
    ({"code": "CN-JL-CHANGCHUN-NA", "parent": "CN-JL-CHANGCHUN-HTZ", "kind": "county", "name_zh": "南关",
      "name_en": "Nanguan"}, 400, "parent"),
    ({"code": "CN-LN-DALIAN-JZ", "parent": "CN-LN-DALIAN", "kind": "county", "name_zh": "金州",
      "name_en": "Jinzhou"}, 400, "parent"),
    ({"code": "CN-JL-SIPING-X", "kind": "city", "name_zh": "四平", "name_en": "Siping"}, 400, "code"),
    ({"code": "CN-LN-SIPING", "kind": "city", "name_zh": "四平", "name_en": "Siping"}, 400, "code"),
    ({"code": "cn-jl-siping", "kind": "city", "name_zh": "四平", "name_en": "Siping"}, 400, "code"),
    ({"code": "CN-JL-SIPING", "kind": "town", "name_zh": "四平", "name_en": "Siping"}, 400, "kind"),
    ({"code": "CN-JL-SIPING", "kind": "city", "name_zh": " ", "name_en": "Siping"}, 400, "name_zh"),
    ({"code": "CN-JL-SIPING", "kind": "city", "name_en": "Siping"}, 400, "name_zh"),
    ({"code": "CN-JL-SIPING", "kind": "city", "name_zh": "四平", "name_en": "Siping", "x": 1}, 400, "x"),
    ({"code": "CN-JL-SIPING", "kind": "city", "name_zh": "四平", "name_en": "Siping", "sort_order": 0},
     400, "sort_order"),
    ({"code": "CN-JL-CHANGCHUN", "kind": "city", "name_zh": "四平", "name_en": "Siping"}, 409, None),
    ({"code": "CN-JL-CC2", "kind": "city", "name_zh": "长春", "name_en": "Changchun"}, 409, None),
])
def test_bad_input_is_refused_and_changes_nothing(d, who, migrated_db, body, status, field):
    before = (node_events(migrated_db), len(tree(d, who, "CN-JL")["items"]))
    r = add(d, who, "CN-JL", body)
    assert r.status == status and r.media_type == "application/problem+json", r
    if field:
        assert field in r.json()["errors"], r.json()
    else:
        assert r.json()["reason"] == "node_exists", r.json()
    assert (node_events(migrated_db), len(tree(d, who, "CN-JL")["items"])) == before


def test_not_json_is_refused(d, who):
    r = add(d, who, "CN-JL", None, raw=b"{")
    assert r.status == 400 and r.media_type == "application/problem+json", r


def test_a_locality_added_later_becomes_a_node(migrated_db):
    # The trigger of 0028, on the table a document import writes to; rolled
    # back, so the catalogue stays the notice's.
    out = ptutil.psql(ptutil.migrate_db_url(), """
        BEGIN;
        INSERT INTO localities (province_code, name_zh, name_en, kind, sort_order)
        VALUES ('CN-JL', '延边', 'Yanbian', 'park', 99);
        SELECT n.code = 'CN-JL-L' || l.id, n.kind, n.parent_id IS NULL
        FROM org_nodes n JOIN localities l ON l.id = n.locality_id WHERE l.name_zh = '延边';
        ROLLBACK;
    """).stdout.split()
    assert out == ["t|zone|t"], out


# Users scoped to a node, and decomposition to a node. Jilin's seeded nodes:
# 长春 (CN-JL-CHANGCHUN, a city) with 长春高新区 (CN-JL-CHANGCHUN-HTZ, a zone)
# under it, and 长吉图经济区 (CN-JL-CJT, a region). The tasks used are NDRC's
# in Jilin, which no other module changes.

def put_node(d, who, username, node, name="admin"):
    headers = {"Content-Type": "application/json", **who[name]}
    return d.request("PUT", f"/api/v1/users/{username}/node", headers=headers,
                     body=json.dumps({"node": node}).encode())


def send(d, headers, method, path, body, etag=None):
    headers = {"Content-Type": "application/json", **headers}
    if etag is not None:
        headers["If-Match"] = etag
    return d.request(method, path, headers=headers, body=json.dumps(body).encode())


@pytest.fixture(scope="module")
def scoped(d, who, migrated_db):
    """Provincial offices of Jilin by name: city (scoped to 长春), zone (to
    长春高新区), whole (the whole province); tokens issued after scoping."""
    out = {}
    for name, node in (("city", "CN-JL-CHANGCHUN"), ("zone", "CN-JL-CHANGCHUN-HTZ"), ("whole", None)):
        user = ptutil.make_user(migrated_db, "province", province="CN-JL")
        if node:
            r = put_node(d, who, user, node)
            assert r.status == 200, r
            assert (r.json()["node"], r.json()["province"]) == (node, "CN-JL")
        out[name] = {"username": user, "headers": ptutil.bearer(ptutil.issue_token(migrated_db, user))}
    return out


@pytest.fixture(scope="module")
def ndrc_jl(d, who):
    path, ids = "/api/v1/tasks?agency=ndrc&province=CN-JL&status=not_started&limit=200", []
    page = d.get(path, headers=who["obs"]).json()
    ids = [t["id"] for t in page["items"] if t["work_items"] == 0]
    assert len(ids) >= 2, page
    return ids


def test_a_user_scoped_to_a_node_says_so(d, scoped):
    me = d.get("/api/v1/me", headers=scoped["city"]["headers"]).json()
    assert (me["role"], me["province"], me["node"]) == ("province", "CN-JL", "CN-JL-CHANGCHUN")
    assert d.get("/api/v1/me", headers=scoped["whole"]["headers"]).json()["node"] is None


def test_scoping_writes_its_event_and_can_be_undone(d, who, migrated_db):
    user = ptutil.make_user(migrated_db, "province", province="CN-JL")
    before = node_events(migrated_db)
    r = put_node(d, who, user, "CN-JL-CJT")
    assert r.status == 200 and r.json()["node"] == "CN-JL-CJT", r
    r = put_node(d, who, user, None)
    assert r.status == 200 and r.json()["node"] is None, r
    assert node_events(migrated_db) == before + 2
    changes = json.loads(ptutil.psql_value(
        migrated_db, "SELECT changes FROM events WHERE subject_type = 'org_node' ORDER BY id DESC LIMIT 1"))
    assert changes == {"user": {"from": None, "to": user}, "node": {"from": "CN-JL-CJT", "to": None}}
    # Another role or province drops the node (it belongs to a provincial office of its province).
    assert put_node(d, who, user, "CN-JL-CJT").status == 200
    r = send(d, who["admin"], "PATCH", f"/api/v1/users/{user}", {"province": "CN-HL"})
    assert r.status == 200 and r.json()["node"] is None, r


@pytest.mark.parametrize("target, node, status, field", [
    ("agency", "CN-JL-CHANGCHUN", 400, "node"),     # not a provincial office's user
    ("province", "CN-LN-DALIAN", 400, "node"),      # a node of another province
    ("province", "CN-JL-NOWHERE", 400, "node"),     # no such node
    ("province", "cn-jl-changchun", 400, "node"),   # not a code's form
    ("nobody", "CN-JL-CHANGCHUN", 404, None),
])
def test_bad_scoping_is_refused_and_changes_nothing(d, who, migrated_db, target, node, status, field):
    if target == "nobody":
        user = "no-such-user-here"
    else:
        scope = {"agency": "sipo"} if target == "agency" else {"province": "CN-JL"}
        user = ptutil.make_user(migrated_db, target, **scope)
    before = node_events(migrated_db)
    r = put_node(d, who, user, node)
    assert r.status == status and r.media_type == "application/problem+json", r
    if field:
        assert field in r.json()["errors"], r.json()
    assert node_events(migrated_db) == before
    if target != "nobody":
        assert d.get(f"/api/v1/users/{user}", headers=who["admin"]).json()["node"] is None


@pytest.mark.parametrize("name", ["coord", "obs", "sipo", "jl"])
def test_only_admins_scope_users(d, who, migrated_db, name):
    user = ptutil.make_user(migrated_db, "province", province="CN-JL")
    r = put_node(d, who, user, "CN-JL-CHANGCHUN", name=name)
    assert r.status == 403 and r.media_type == "application/problem+json", r


def item(node=None, **extra):
    body = {"title_zh": "市县落实", "due_date": "2031-06-30", "office": "CN-JL", **extra}
    if node is not None:
        body["node"] = node
    return body


def test_decomposition_to_a_node_and_scoped_users(d, who, scoped, ndrc_jl, migrated_db):
    task = ndrc_jl[0]
    made = {}
    for key, node in (("city", "CN-JL-CHANGCHUN"), ("zone", "CN-JL-CHANGCHUN-HTZ"), ("region", "CN-JL-CJT"),
                      ("province", None)):
        r = send(d, who["coord"], "POST", f"/api/v1/tasks/{task}/work-items", item(node))
        assert r.status == 201, r
        made[key] = r.json()
    assert made["zone"]["node"] == {"code": "CN-JL-CHANGCHUN-HTZ", "kind": "zone", "name_zh": "长春高新区",
                                    "name_en": "Changchun National High-tech Industrial Development Zone"}
    assert made["province"]["node"] is None
    created = json.loads(ptutil.psql_value(
        migrated_db, f"SELECT changes FROM events WHERE subject_type = 'work_item' "
                     f"AND subject_id = {made['zone']['id']} AND kind = 'work_item.created'"))
    assert created["node"] == {"from": None, "to": "CN-JL-CHANGCHUN-HTZ"}

    def act(name, key):
        it = d.get(f"/api/v1/work-items/{made[key]['id']}", headers=scoped[name]["headers"]).json()
        return send(d, scoped[name]["headers"], "PATCH", f"/api/v1/work-items/{it['id']}",
                    {"status": "in_progress", "progress": 10}, etag=it["etag"])

    # The city's user acts on its city and the zone below it, not on the
    # province's own item nor on another subtree's; out of scope is 404.
    city_sees = {k: d.get(f"/api/v1/work-items/{made[k]['id']}", headers=scoped["city"]["headers"]).json()
                 for k in made}
    assert city_sees["city"]["allowed_transitions"] and city_sees["zone"]["allowed_transitions"]
    assert city_sees["region"]["allowed_transitions"] == [] and city_sees["province"]["allowed_transitions"] == []
    for key in ("region", "province"):
        r = act("city", key)
        assert r.status == 404 and r.media_type == "application/problem+json", r
    assert act("city", "city").status == 200
    # The zone's user: its zone only, not the city above it.
    assert act("zone", "city").status == 404
    assert act("zone", "zone").status == 200
    # The whole province's office: every item its office carries.
    assert act("whole", "region").status == 200
    assert act("whole", "province").status == 200

    # mine=true: the subtree's items for a scoped user, every office item for the whole office.
    def mine(name):
        page = d.get("/api/v1/work-items?mine=true&limit=200", headers=scoped[name]["headers"]).json()
        return {w["id"] for w in page["items"]} & {m["id"] for m in made.values()}
    ids = {k: v["id"] for k, v in made.items()}
    assert mine("city") == {ids["city"], ids["zone"]}
    assert mine("zone") == {ids["zone"]}
    assert mine("whole") == set(ids.values())

    # A coordinator moves an item to another node, and back to the province.
    it = d.get(f"/api/v1/work-items/{ids['region']}", headers=who["coord"]).json()
    r = send(d, who["coord"], "PATCH", f"/api/v1/work-items/{ids['region']}", {"node": "CN-JL-CHANGCHUN"},
             etag=it["etag"])
    assert r.status == 200 and r.json()["node"]["code"] == "CN-JL-CHANGCHUN", r
    assert ids["region"] in {w["id"] for w in d.get("/api/v1/work-items?mine=true&limit=200",
                                                      headers=scoped["city"]["headers"]).json()["items"]}
    r = send(d, who["coord"], "PATCH", f"/api/v1/work-items/{ids['region']}", {"node": None},
             etag=r.json()["etag"])
    assert r.status == 200 and r.json()["node"] is None, r
    # Giving the item to an agency leaves the node.
    it = d.get(f"/api/v1/work-items/{ids['city']}", headers=who["coord"]).json()
    r = send(d, who["coord"], "PATCH", f"/api/v1/work-items/{ids['city']}", {"agency": "ndrc"}, etag=it["etag"])
    assert r.status == 200 and r.json()["node"] is None, r
    ptutil.run_cli(["audit", "verify", "--database-url", migrated_db], expect_rc=0)


@pytest.mark.parametrize("body, name", [
    (item("CN-LN-DALIAN"), "coord"),                              # another province's node
    (item("CN-JL-NOWHERE"), "coord"),                             # no such node
    (item("cn-jl"), "coord"),                                     # not a code's form
    ({"title_zh": "甲", "due_date": "2031-06-30", "agency": "ndrc", "node": "CN-JL-CHANGCHUN"}, "coord"),
])
def test_a_bad_node_is_refused_and_changes_nothing(d, who, ndrc_jl, migrated_db, body, name):
    task = ndrc_jl[1]
    count = lambda: int(ptutil.psql_value(migrated_db, f"SELECT count(*) FROM work_items WHERE task_id = {task}"))
    before = count()
    r = send(d, who[name], "POST", f"/api/v1/tasks/{task}/work-items", body)
    assert r.status == 400 and r.media_type == "application/problem+json", r
    assert "node" in r.json()["errors"], r.json()
    assert count() == before


def test_only_coordinators_send_an_item_to_a_node(d, who, scoped, ndrc_jl):
    r = send(d, who["coord"], "POST", f"/api/v1/tasks/{ndrc_jl[1]}/work-items", item("CN-JL-CHANGCHUN-HTZ"))
    assert r.status == 201, r
    it = r.json()
    r = send(d, scoped["city"]["headers"], "PATCH", f"/api/v1/work-items/{it['id']}",
             {"node": "CN-JL-CHANGCHUN"}, etag=it["etag"])
    assert r.status == 400 and "node" in r.json()["errors"], r


# Reports approved bottom-up: 长春高新区's (a zone under 长春) is approved by
# 长春's office, 长春's by the province's own office, and the province's report
# is accepted by a coordinator only after both.

def post(d, headers, path, body=None):
    headers = {"Content-Type": "application/json", **headers}
    return d.request("POST", path, headers=headers, body=json.dumps(body).encode() if body is not None else None)


def node_report_events(db):
    return int(ptutil.psql_value(db, "SELECT count(*) FROM events WHERE subject_type = 'node_report'"))


def test_reports_are_approved_bottom_up(d, who, scoped, migrated_db):
    period = "2077-07"
    r = post(d, who["coord"], "/api/v1/periods",
             {"code": period, "starts_on": "2077-07-01", "ends_on": "2077-07-31", "due_on": "2099-12-31"})
    assert r.status == 201, r
    path = f"/api/v1/provinces/CN-JL/node-reports/{period}"
    city, zone, whole = (scoped[k]["headers"] for k in ("city", "zone", "whole"))
    events = node_report_events(migrated_db)

    # The province's own office files the province's report as before; a
    # user scoped to a node may not (it files its node's).
    task = d.get("/api/v1/tasks?province=CN-JL&limit=1", headers=who["obs"]).json()["items"][0]["id"]
    body = {"period": period, "summary": "全省进展",
            "items": [{"task": task, "status": "in_progress", "progress": 30, "narrative": "推进中"}]}
    r = post(d, city, "/api/v1/reports", body)
    assert r.status == 403 and r.media_type == "application/problem+json", r
    r = post(d, whole, "/api/v1/reports", body)
    assert r.status == 201, r
    province_report = r.json()["id"]
    assert post(d, whole, f"/api/v1/reports/{province_report}/submit").status == 200

    r = post(d, zone, path, {"summary": "高新区进展"})
    assert r.status == 200, r
    zone_report = r.json()
    assert (zone_report["node"], zone_report["parent"], zone_report["state"]) == \
        ("CN-JL-CHANGCHUN-HTZ", "CN-JL-CHANGCHUN", "submitted")
    r = post(d, city, path, {"summary": "长春进展"})
    assert r.status == 200 and r.json()["pending_below"] == 1, r
    city_report = r.json()
    listed = d.get(path, headers=who["obs"]).json()
    assert [x["node"] for x in listed["items"]] == ["CN-JL-CHANGCHUN", "CN-JL-CHANGCHUN-HTZ"]

    def act(headers, report, action, comment=None):
        return post(d, headers, f"/api/v1/node-reports/{report['id']}/{action}",
                    {"comment": comment} if comment else None)

    # A city's before its county's or zone's: refused, and nothing changes.
    r = act(whole, city_report, "approve")
    assert r.status == 409 and r.json()["reason"] == "node_reports_pending", r
    assert "CN-JL-CHANGCHUN-HTZ" in r.json()["detail"]
    # The province's before its cities': not offered, and refused.
    assert "accept" not in d.get(f"/api/v1/reports/{province_report}", headers=who["coord"]).json()["allowed_actions"]
    r = post(d, who["coord"], f"/api/v1/reports/{province_report}/accept")
    assert r.status == 409 and r.json()["reason"] == "node_reports_pending", r
    # Only the level right above reviews: not the node itself, not two levels up.
    for headers in (zone, whole):
        r = act(headers, zone_report, "approve")
        assert r.status == 409 and r.json()["reason"] == "action_not_allowed", r
    assert node_report_events(migrated_db) == events + 2

    # Returned with a comment (required), filed again, approved.
    r = act(city, zone_report, "return")
    assert r.status == 400 and "comment" in r.json()["errors"], r
    r = act(city, zone_report, "return", "补充数据")
    assert r.status == 200 and r.json()["state"] == "returned", r
    assert post(d, zone, path, {"summary": "高新区进展(补充)"}).json()["state"] == "submitted"
    r = act(city, zone_report, "approve")
    assert r.status == 200 and r.json()["state"] == "approved" and r.json()["reviewed_by"] == scoped["city"]["username"], r
    r = post(d, zone, path, {"summary": "again"})
    assert r.status == 409 and r.json()["reason"] == "node_report_filed", r

    r = act(whole, city_report, "approve")
    assert r.status == 200 and r.json()["state"] == "approved" and r.json()["pending_below"] == 0, r
    assert "accept" in d.get(f"/api/v1/reports/{province_report}", headers=who["coord"]).json()["allowed_actions"]
    r = post(d, who["coord"], f"/api/v1/reports/{province_report}/accept")
    assert r.status == 200 and r.json()["state"] == "accepted", r

    kinds = ptutil.psql_value(migrated_db, "SELECT string_agg(kind, ',' ORDER BY id) FROM events "
                                           f"WHERE subject_type = 'node_report' AND id > 0 "
                                           f"AND subject_id IN ({zone_report['id']}, {city_report['id']})")
    assert kinds.split(",") == ["node_report.submitted", "node_report.submitted", "node_report.returned",
                                "node_report.submitted", "node_report.approved", "node_report.approved"]
    ptutil.run_cli(["audit", "verify", "--database-url", migrated_db], expect_rc=0)


@pytest.mark.parametrize("name, period, status, reason", [
    ("whole", "2077-07", 403, None),      # the whole office has no node to report for
    ("city", "2077-99", 404, None),       # no such period
    ("other", "2077-07", 404, None),      # not the caller's province
])
def test_bad_node_reports_are_refused(d, who, scoped, migrated_db, name, period, status, reason):
    headers = who["jl"] if name == "other" else scoped[name]["headers"]
    province = "CN-HL" if name == "other" else "CN-JL"
    before = node_report_events(migrated_db)
    r = post(d, headers, f"/api/v1/provinces/{province}/node-reports/{period}", {"summary": "s"})
    assert r.status == status and r.media_type == "application/problem+json", r
    assert node_report_events(migrated_db) == before


def test_a_node_report_needs_a_summary(d, scoped):
    r = post(d, scoped["city"]["headers"], "/api/v1/provinces/CN-JL/node-reports/2077-07", {"summary": " "})
    assert r.status == 400 and "summary" in r.json()["errors"], r


def test_a_scoped_user_is_reminded_of_its_subtree_only(d, who, scoped, ndrc_jl, migrated_db):
    soon = ptutil.psql_value(migrated_db, "SELECT current_date + 3")
    ids = {}
    for node in ("CN-JL-CHANGCHUN-HTZ", "CN-JL-CJT"):
        r = send(d, who["coord"], "POST", f"/api/v1/tasks/{ndrc_jl[1]}/work-items",
                 item(node, due_date=soon, title_zh=f"近期事项 {node}"))
        assert r.status == 201, r
        ids[node] = r.json()["id"]

    def reminded(name):
        r = d.get("/api/v1/reminders?days=7", headers=scoped[name]["headers"])
        assert r.status == 200, r
        return {x["work_item"] for x in r.json()["work_items"]} & set(ids.values())
    assert reminded("city") == {ids["CN-JL-CHANGCHUN-HTZ"]}
    assert reminded("whole") == set(ids.values())

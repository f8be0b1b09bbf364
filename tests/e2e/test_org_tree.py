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

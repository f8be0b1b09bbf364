"""Importing documents (docs/import.md): the 2017 notice as the first import
file, with its corrections applied as a data change that keeps task history;
the file alone building the catalogue served before; the API and the CLI,
dry runs, versions, CSV, located problems that change nothing, and the
daemon's role unable to write the catalogue itself."""

import copy
import json
import re
import secrets

import pytest

import ptutil

NOTICE = ptutil.ROOT / "data" / "documents" / "ne-ip-2017.json"
EXAMPLE = ptutil.ROOT / "docs" / "examples" / "import-example.json"
EXAMPLE_META = ptutil.ROOT / "docs" / "examples" / "import-example-metadata.json"
EXAMPLE_CSV = ptutil.ROOT / "docs" / "examples" / "import-example-measures.csv"
NINE = ["sipo", "ndrc", "most", "miit", "moa", "moc", "gacc", "saic", "ncac"]
SEVEN_JOINT = ["7.1.1", "7.1.2", "7.1.3", "7.1.4", "7.2.1", "7.2.4"]


def export(url, code="ne-ip-2017"):
    cp = ptutil.run_cli(["export", "document", code, "--database-url", url], expect_rc=0)
    return json.loads(cp.stdout)


def cli_import(url, path, *extra, expect_rc=0):
    return ptutil.run_cli(["import", "document", str(path), *extra, "--database-url", url],
                          expect_rc=expect_rc)


def tasks_of(url, code="ne-ip-2017"):
    rows = ptutil.psql_value(url, f"""
        SELECT string_agg(m.code || ' ' || t.agency_code || ' ' || t.province_code || ' ' || t.role,
                          E'\\n' ORDER BY t.id)
        FROM tasks t JOIN measures m ON m.id = t.measure_id JOIN documents d ON d.id = m.document_id
        WHERE d.code = '{code}'""")
    return [tuple(line.split()) for line in rows.splitlines()] if rows else []


def by_code(doc):
    return {m["code"]: m for m in doc["measures"]}


def agencies_of(m):
    return {a["code"]: (a["role"], a["rationale"]) for a in m["agencies"]}


# --------------------------------------------------------------------------
# The 2017 notice


def test_bundled_notice_is_the_0003_catalogue_apart_from_the_corrections(fresh_db):
    url = fresh_db.owner_url
    ptutil.migrate(url, "--no-documents")
    before, tasks_before = export(url), tasks_of(url)
    assert len(tasks_before) == 742
    out = ptutil.migrate(url).stdout
    assert "document ne-ip-2017: updated, version 2" in out, out
    after, tasks_after = export(url), tasks_of(url)

    # Metadata, sections, the Chinese text, the sets of agencies, provinces and
    # localities: all as served before.
    assert before["document"] == after["document"] and before["sections"] == after["sections"]
    assert before["agencies"] == after["agencies"] and before["provinces"] == after["provinces"]
    b, a = by_code(before), by_code(after)
    assert list(b) == list(a) and len(a) == 97
    for code in b:
        assert b[code]["text_zh"] == a[code]["text_zh"]
        assert set(agencies_of(b[code])) == set(agencies_of(a[code])), code
        assert [p["code"] for p in b[code]["provinces"]] == [p["code"] for p in a[code]["provinces"]]
        assert b[code].get("localities") == a[code].get("localities"), code
        assert b[code].get("joint") == a[code].get("joint"), code

    # The English corrected, and only there.
    changed_en = {c for c in b if b[c].get("text_en") != a[c].get("text_en")}
    assert changed_en == {"3.4.1", "5.1.1", "3.2.6", "4.4.2", "4.3.7", "7.1.4"}
    assert "socialised" not in a["3.4.1"]["text_en"] and "radiating" not in a["5.1.1"]["text_en"]
    assert "units" not in a["3.2.6"]["text_en"] and "traditional knowledge" in a["4.4.2"]["text_en"]
    assert "producers" in a["4.3.7"]["text_en"] and "enforcement" not in a["7.1.4"]["text_en"]

    # Roles: 七's six joint measures name one lead, the others support; SIPO
    # leads the IP funds of 3.3.1 and 3.2.4 with NDRC supporting. Nothing else.
    role_changes = {(c, ag): (agencies_of(b[c])[ag][0], agencies_of(a[c])[ag][0])
                    for c in b for ag in agencies_of(b[c])
                    if agencies_of(b[c])[ag][0] != agencies_of(a[c])[ag][0]}
    want = {(c, ag): ("lead", "support") for c in SEVEN_JOINT for ag in NINE if ag != "sipo"}
    want.update({("3.3.1", "sipo"): ("support", "lead"), ("3.3.1", "ndrc"): ("lead", "support"),
                 ("3.2.4", "sipo"): ("support", "lead"), ("3.2.4", "ndrc"): ("lead", "support")})
    assert role_changes == want
    for c in SEVEN_JOINT:
        assert [ag for ag, (r, _) in agencies_of(a[c]).items() if r == "lead"] == ["sipo"]

    # Rationales: where roles changed, and the three the issue names.
    why_changes = {(c, ag) for c in b for ag in agencies_of(b[c])
                   if agencies_of(b[c])[ag][1] != agencies_of(a[c])[ag][1]}
    assert why_changes == set(want) | {(c, "sipo") for c in SEVEN_JOINT} | {("4.4.4", "saic"), ("4.3.5", "saic")}
    assert "Ministry of Commerce" in agencies_of(a["4.4.4"])["saic"][1]
    assert "closest issuer" in agencies_of(a["4.4.4"])["saic"][1]
    assert "AQSIQ" in agencies_of(a["4.3.5"])["saic"][1] and "GI trademarks only" in agencies_of(a["4.3.5"])["saic"][1]
    province_why = {c for c in b if b[c]["provinces"] != a[c]["provinces"]}
    assert province_why == {"3.4.6"}
    hosts = {p["code"]: p["rationale"] for p in a["3.4.6"]["provinces"]}
    assert "Liaoning hosts" in hosts["CN-LN"]
    assert all("at most takes part" in hosts[p] for p in ("CN-NM", "CN-JL", "CN-HL"))

    # Tasks: the same 742, in the same order, each with its mapping's new role,
    # and each re-assignment in the audit trail.
    assert [t[:3] for t in tasks_after] == [t[:3] for t in tasks_before]
    assert sum(1 for x, y in zip(tasks_before, tasks_after) if x[3] != y[3]) == 208
    events = ptutil.psql_value(url, """
        SELECT count(*) FILTER (WHERE kind = 'task.reassigned' AND changes ? 'role')
               || ' ' || count(*) FILTER (WHERE kind = 'document.revised') || ' ' || count(*)
        FROM events""")
    assert events == "208 1 209"
    assert ptutil.run_cli(["audit", "verify", "--database-url", url], expect_rc=0)

    # Once more: nothing to do.
    assert "document ne-ip-2017: unchanged, version 2" in ptutil.migrate(url).stdout


def test_migrate_leaves_a_document_alone_once_its_file_is_imported(fresh_db):
    """Data added after the bundled file was imported (here bench/gen-data's
    synthetic measures in the notice's sections) is not reconciled against
    the file on the next migrate: it used to refuse, naming the measures it
    would have removed, so a benchmark database could not be migrated again."""
    url = fresh_db.owner_url
    ptutil.migrate(url)
    ptutil.gen_data(url, 800, 1000, timeout=120)
    extra = ptutil.psql_value(url, "SELECT count(*) FROM measures m JOIN documents d ON d.id = m.document_id "
                                   "WHERE d.code = 'ne-ip-2017'")
    assert int(extra) > 100, "gen-data added no measures to the notice: nothing to test"
    out = ptutil.migrate(url).stdout
    assert "document ne-ip-2017: unchanged, version 2" in out, out


def test_the_file_alone_builds_the_catalogue_served(fresh_db, migrated_db):
    url = fresh_db.owner_url
    ptutil.migrate(url, "--no-documents")
    # Empty the catalogue of this database, then import the file into nothing.
    ptutil.psql(url, """
        DELETE FROM document_versions; DELETE FROM tasks; DELETE FROM measure_localities;
        DELETE FROM measure_agencies; DELETE FROM measure_provinces; DELETE FROM measures;
        DELETE FROM sections WHERE parent_id IS NOT NULL; DELETE FROM sections; DELETE FROM documents;
        DELETE FROM org_nodes; DELETE FROM localities; DELETE FROM agencies; DELETE FROM provinces;""")
    cp = cli_import(url, NOTICE)
    assert "policytrack import: ne-ip-2017: created, version 1" in cp.stdout
    assert "tasks: 742 created" in cp.stdout
    served = ptutil.migrate_db_url()
    assert export(url) == export(served)
    # The same tasks with the same roles (ids differ where a role changed: a fresh
    # import numbers leads first).
    assert sorted(tasks_of(url)) == sorted(tasks_of(served))
    # The checker of the source text holds for it too.
    r = ptutil.run_cli(["export", "catalogue", "--format", "markdown", "--database-url", url], expect_rc=0)
    assert r.stdout == ptutil.run_cli(["export", "catalogue", "--format", "markdown",
                                       "--database-url", served], expect_rc=0).stdout


def test_cli_reports_every_problem_located_and_writes_nothing(tmp_path, fresh_db):
    url = fresh_db.owner_url
    ptutil.migrate(url)
    count = "SELECT (SELECT count(*) FROM documents) || ' ' || (SELECT count(*) FROM tasks)"
    before = ptutil.psql_value(url, count)
    doc = json.loads(EXAMPLE.read_text())
    doc["document"]["signed_on"] = "2026-02-30"
    doc["measures"][0]["agencies"][0]["code"] = "mofcm"
    doc["measures"][1]["text_cn"] = "x"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc, ensure_ascii=False))
    cp = cli_import(url, bad, expect_rc=1)
    assert "3 problem(s); nothing was imported" in cp.stderr
    assert "/document/signed_on: \"signed_on\" is not a day of the calendar" in cp.stderr
    assert "/measures/0/agencies/0/code: unknown agency \"mofcm\"" in cp.stderr
    assert "/measures/1/text_cn: unknown member \"text_cn\"" in cp.stderr
    syntax = tmp_path / "syntax.json"
    syntax.write_text('{"format": "policytrack-document/1",\n  "document": {,}}')
    cp = cli_import(url, syntax, expect_rc=1)
    assert "not valid JSON (line 2, column " in cp.stderr
    csv = tmp_path / "bad.csv"
    csv.write_text(EXAMPLE_CSV.read_text(encoding="utf-8-sig").replace(",mofcom,", ",mofcm,"))
    cp = cli_import(url, EXAMPLE_META, "--csv", csv, expect_rc=1)
    assert f"{csv} line 4, column 7 (lead): unknown agency \"mofcm\"" in cp.stderr
    assert ptutil.psql_value(url, count) == before


def test_cli_csv_import_dry_run_and_export_round_trip(tmp_path, fresh_db):
    url = fresh_db.owner_url
    ptutil.migrate(url)
    cp = cli_import(url, EXAMPLE_META, "--csv", EXAMPLE_CSV, "--dry-run")
    assert "example-csv-2026: would be created, version 1 (dry run: nothing written)" in cp.stdout
    assert ptutil.psql_value(url, "SELECT count(*) FROM documents WHERE code = 'example-csv-2026'") == "0"
    cp = cli_import(url, EXAMPLE_META, "--csv", EXAMPLE_CSV)
    assert "tasks: 5 created" in cp.stdout
    # The CSV and the JSON example say the same thing.
    cli_import(url, EXAMPLE)
    csv_doc, json_doc = export(url, "example-csv-2026"), export(url, "example-2026")
    assert csv_doc["measures"] == json_doc["measures"] and csv_doc["sections"] == json_doc["sections"]
    # Export, import: nothing changes.
    path = tmp_path / "again.json"
    path.write_text(json.dumps(json_doc, ensure_ascii=False))
    assert "example-2026: unchanged, version 1" in cli_import(url, path).stdout


def test_docs_show_the_example_files_verbatim():
    text = (ptutil.ROOT / "docs" / "import.md").read_text()
    blocks = re.findall(r"```(json|csv)\n(.*?)```", text, re.S)
    assert blocks[0] == ("json", EXAMPLE.read_text())
    assert blocks[1] == ("csv", EXAMPLE_CSV.read_text(encoding="utf-8-sig").replace("\r\n", "\n"))


def test_the_daemon_role_cannot_write_the_catalogue(migrated_db):
    for sql in ("UPDATE measures SET text_zh = 'x' WHERE false",
                "INSERT INTO agencies (code, name_zh, full_name_zh, name_en, remit_en, sort_order) "
                "VALUES ('zz', 'z', 'z', 'z', 'z', 99)",
                "DELETE FROM tasks WHERE false",
                "INSERT INTO tasks (measure_id, agency_code, province_code, role) VALUES (1, 'sipo', 'CN-LN', 'lead')",
                "SELECT document_import_apply('{}', NULL, 'api')"):
        r = ptutil.psql(migrated_db, sql, check=False)
        assert r.returncode != 0 and "permission denied" in r.stderr, (sql, r.stderr)


# --------------------------------------------------------------------------
# The API, on a database of its own (documents added here would change the
# totals other modules count)


@pytest.fixture(scope="module")
def own_db():
    with ptutil.fresh_database() as db:
        ptutil.migrate(db.owner_url)
        yield db


@pytest.fixture(scope="module")
def d(module_daemons, own_db):
    return module_daemons.start(database_url=own_db.app_url)


@pytest.fixture(scope="module")
def who(own_db):
    specs = {"coord": ("coordinator", {}), "admin": ("admin", {}), "obs": ("observer", {}),
             "sipo": ("agency", {"agency": "sipo"}), "prov": ("province", {"province": "CN-LN"})}
    out = {}
    for name, (role, scope) in specs.items():
        user = ptutil.make_user(own_db.app_url, role, **scope)
        out[name] = ptutil.bearer(ptutil.issue_token(own_db.app_url, user))
    return out


def post(d, headers, doc, dry_run=False, raw=None):
    path = "/api/v1/documents" + ("?dry_run=true" if dry_run else "")
    body = raw if raw is not None else json.dumps(doc, ensure_ascii=False).encode()
    return d.request("POST", path, headers={"Content-Type": "application/json", **headers}, body=body)


def example(code=None):
    doc = json.loads(EXAMPLE.read_text())
    doc["document"]["code"] = code or "example-" + secrets.token_hex(3)
    return doc


def test_api_dry_run_then_import_then_again(d, who, own_db):
    doc = example()
    code = doc["document"]["code"]
    r = post(d, who["coord"], doc, dry_run=True)
    assert r.status == 200, r
    body = r.json()
    assert body["outcome"] == "created" and body["dry_run"] is True and body["summary"]["tasks_created"] == 5
    assert d.get(f"/api/v1/documents/{code}", headers=who["obs"]).status == 404

    r = post(d, who["coord"], doc)
    assert r.status == 201 and r.header("Location") == f"/api/v1/documents/{code}", r
    assert r.json()["version"] == 1
    got = d.get(f"/api/v1/documents/{code}", headers=who["obs"]).json()
    assert got["tasks"] == 5 and got["measures"] == 2
    assert [i["code"] for i in got["issuers"]] == ["sipo", "mofcom"]

    r = post(d, who["admin"], doc)
    assert r.status == 200 and r.json()["outcome"] == "unchanged", r
    versions = d.get(f"/api/v1/documents/{code}/versions", headers=who["obs"]).json()
    assert [v["version"] for v in versions] == [1] and versions[0]["via"] == "api"
    assert versions[0]["summary"]["tasks_created"] == 5
    exported = d.get(f"/api/v1/documents/{code}/export", headers=who["obs"]).json()
    assert exported["measures"][0]["due_on"] == "2026-12-31"
    assert d.get("/api/v1/documents/nope-1/versions", headers=who["obs"]).status == 404


@pytest.mark.parametrize("name", ["sipo", "prov", "obs"])
def test_api_import_is_for_admins_and_coordinators(d, who, name):
    r = post(d, who[name], example())
    ptutil.assert_problem(r, 403)


def test_api_problems_are_located_and_change_nothing(d, who, own_db):
    count = ("SELECT (SELECT count(*) FROM documents) || ' ' || (SELECT count(*) FROM tasks) || ' '"
             " || (SELECT count(*) FROM agencies) || ' ' || (SELECT count(*) FROM events)")
    before = ptutil.psql_value(own_db.owner_url, count)
    doc = example()
    doc["agencies"][0]["name_en"] = "Commerce"            # a new agency, declared twice below
    doc["agencies"].append(copy.deepcopy(doc["agencies"][0]))
    doc["measures"][0]["agencies"][1]["role"] = "lead"    # two leads, not joint
    doc["measures"][1]["provinces"][0]["code"] = "CN-HL"  # not a recipient
    doc["sections"].append({"code": "2.1", "title_zh": "x", "title_en": "y"})
    r = post(d, who["coord"], doc, dry_run=True)
    ptutil.assert_problem(r, 422)
    pointers = {e["pointer"] for e in r.json()["errors"]}
    assert {"/agencies/1/code", "/measures/0/agencies", "/measures/1/provinces/0/code",
            "/measures/1/localities/0/province", "/sections/2/code"} <= pointers, r.json()
    assert ptutil.psql_value(own_db.owner_url, count) == before

    r = post(d, who["coord"], None, raw=b'{"format": "policytrack-document/1",\n "document": [1,,2]}')
    ptutil.assert_problem(r, 400)
    assert "(line 2, column 17)" in r.json()["detail"]

    meta = json.loads(EXAMPLE_META.read_text())
    meta["document"]["code"] = "csv-" + secrets.token_hex(3)
    meta["measures_csv"] = EXAMPLE_CSV.read_text(encoding="utf-8-sig").replace(",mofcom,", ",mofcm,")
    r = post(d, who["coord"], meta)
    ptutil.assert_problem(r, 422)
    [e] = r.json()["errors"]
    assert (e["line"], e["column"], e["field"]) == (4, 7, "lead") and "mofcm" in e["detail"]
    meta["measures_csv"] = 'code,text_zh\n1.1.1,"unclosed\n'
    e = post(d, who["coord"], meta).json()["errors"][0]
    assert e["line"] == 2 and "never closed" in e["detail"]
    meta["measures"] = []
    e = post(d, who["coord"], meta).json()["errors"][0]
    assert e["pointer"] == "/measures_csv"
    assert ptutil.psql_value(own_db.owner_url, count) == before


def test_api_csv_import(d, who):
    meta = json.loads(EXAMPLE_META.read_text())
    meta["document"]["code"] = "csv-" + secrets.token_hex(3)
    meta["measures_csv"] = EXAMPLE_CSV.read_text(encoding="utf-8-sig")
    r = post(d, who["coord"], meta)
    assert r.status == 201 and r.json()["summary"]["tasks_created"] == 5, r


def task_id(url, code, measure, agency, province):
    return int(ptutil.psql_value(url, f"""
        SELECT t.id FROM tasks t JOIN measures m ON m.id = t.measure_id JOIN documents d ON d.id = m.document_id
        WHERE d.code = '{code}' AND m.code = '{measure}' AND t.agency_code = '{agency}'
          AND t.province_code = '{province}'"""))


def test_a_new_version_reassigns_redates_and_keeps_history(d, who, own_db):
    url = own_db.owner_url
    doc = example()
    code = doc["document"]["code"]
    assert post(d, who["coord"], doc).status == 201
    # An officer works on SIPO's task in Liaoning: it now has history.
    worked = task_id(url, code, "1.1.1", "sipo", "CN-LN")
    for name, change in (("sipo", {"status": "in_progress", "progress": 10}),
                         ("coord", {"due_date": "2026-11-30"})):
        t = d.get(f"/api/v1/tasks/{worked}", headers=who[name])
        r = d.request("PATCH", f"/api/v1/tasks/{worked}",
                      headers={"Content-Type": "application/json", "If-Match": t.header("ETag"), **who[name]},
                      body=json.dumps(change).encode())
        assert r.status == 200, r

    # Version 2: SIPO leads 1.1.1, MOFCOM supports; the deadline moves.
    v2 = copy.deepcopy(doc)
    m = v2["measures"][0]
    m["agencies"] = [{"code": "sipo", "role": "lead", "rationale": "Read again: the brands' IP leads."},
                     {"code": "mofcom", "role": "support", "rationale": "The programme supports."}]
    m["due_on"] = "2027-06-30"
    r = post(d, who["coord"], v2)
    assert r.status == 200, r
    body = r.json()
    assert body["outcome"] == "updated" and body["version"] == 2
    assert body["summary"]["tasks_reassigned"] == 4 and body["summary"]["tasks_redated"] == 3
    assert {"op": "change", "what": "measure_agency", "key": "1.1.1/sipo", "field": "role",
            "from": "support", "to": "lead"} in body["changes"]
    hist = d.get(f"/api/v1/tasks/{worked}/events?limit=50", headers=who["obs"]).json()["items"]
    assert hist[-1]["kind"] == "task.reassigned" and hist[-1]["changes"] == {"role": {"from": "support", "to": "lead"}}
    got = d.get(f"/api/v1/tasks/{worked}", headers=who["obs"]).json()
    assert got["role"] == "lead" and got["status"] == "in_progress" and got["due_date"] == "2026-11-30"
    other = task_id(url, code, "1.1.1", "mofcom", "CN-BJ")
    assert d.get(f"/api/v1/tasks/{other}", headers=who["obs"]).json()["due_date"] == "2027-06-30"

    # Version 3 would drop SIPO from 1.1.1: its Liaoning task has history, so no.
    v3 = copy.deepcopy(v2)
    v3["measures"][0]["agencies"] = [{"code": "mofcom", "role": "lead", "rationale": "Alone."}]
    r = post(d, who["coord"], v3)
    ptutil.assert_problem(r, 422)
    assert any(str(worked) in e["detail"] and e["pointer"] == "/measures/0" for e in r.json()["errors"])
    assert d.get(f"/api/v1/tasks/{worked}", headers=who["obs"]).json()["role"] == "lead"

    # Dropping Beijing from 1.1.1 instead: those tasks have no history and go.
    v3 = copy.deepcopy(v2)
    v3["measures"][0]["provinces"] = [{"code": "CN-LN", "rationale": "Liaoning only, read again."}]
    r = post(d, who["coord"], v3)
    assert r.status == 200 and r.json()["summary"]["tasks_removed"] == 2, r
    assert d.get(f"/api/v1/tasks/{other}", headers=who["obs"]).status == 404
    versions = d.get(f"/api/v1/documents/{code}/versions", headers=who["obs"]).json()
    assert [v["version"] for v in versions] == [3, 2, 1]
    assert ptutil.run_cli(["audit", "verify", "--database-url", own_db.app_url], expect_rc=0)


def test_migrate_keeps_a_version_a_person_imported(tmp_path, fresh_db):
    url = fresh_db.owner_url
    ptutil.migrate(url)
    doc = json.loads(NOTICE.read_text())
    doc["measures"][0]["text_en"] += " (as our office reads it)"
    path = tmp_path / "ours.json"
    path.write_text(json.dumps(doc, ensure_ascii=False))
    assert "updated, version 3" in cli_import(url, path).stdout
    assert "document ne-ip-2017: kept" in ptutil.migrate(url).stdout
    assert export(url)["measures"][0]["text_en"].endswith("(as our office reads it)")

"""policytrack export catalogue: CSV that a spreadsheet opens (BOM, RFC 4180),
JSON for tools, and the Markdown table of docs/catalogue.md."""

import csv
import io
import json

import pytest

import ptutil


@pytest.fixture(scope="module")
def db(migrated_db):
    return migrated_db


def export(db, *args, expect_rc=0):
    return ptutil.run_cli(["export", "catalogue", *args, "--database-url", db], expect_rc=expect_rc)


def test_csv_opens_as_a_table_of_every_measure(db):
    out = export(db, "--format", "csv").stdout
    assert out.startswith("\ufeff"), "no UTF-8 byte-order mark: Excel would garble the Chinese"
    rows = list(csv.DictReader(io.StringIO(out[1:], newline="")))
    assert len(rows) >= 90
    codes = [r["code"] for r in rows]
    assert len(codes) == len(set(codes))
    for r in rows:
        assert r["text_zh"] and r["text_en"] and r["lead_zh"] and r["lead_en"] and r["provinces_zh"], r["code"]
        assert int(r["tasks"]) >= 1
    row = next(r for r in rows if r["code"] == "3.4.2")
    assert row["text_zh"] == "探索设立知识产权质押融资担保基金,提高中介机构的评估能力。"
    assert "知识产权局" in row["lead_zh"] and "State Intellectual Property Office" in row["lead_en"]


def test_csv_and_json_agree(db):
    rows = list(csv.DictReader(io.StringIO(export(db).stdout[1:], newline="")))
    items = json.loads(export(db, "--format", "json").stdout)
    assert [r["code"] for r in rows] == [i["code"] for i in items]
    for r, i in zip(rows, items):
        assert r["lead_en"] == "; ".join(a["name_en"] for a in i["agencies"] if a["role"] == "lead"), r["code"]
        assert int(r["tasks"]) == i["tasks"] == len(i["agencies"]) * len(i["provinces"])


def test_output_file(db, tmp_path):
    path = tmp_path / "catalogue.csv"
    export(db, "--output", str(path))
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")


def test_docs_table_is_the_generated_one(db):
    text = (ptutil.ROOT / "docs" / "catalogue.md").read_text(encoding="utf-8")
    begin, end = "<!-- catalogue-table:begin -->\n", "<!-- catalogue-table:end -->"
    assert begin in text and end in text
    table = text[text.index(begin) + len(begin):text.index(end)]
    assert table == export(db, "--format", "markdown").stdout, \
        "docs/catalogue.md is stale: regenerate it with `policytrack export catalogue --format markdown`"


@pytest.mark.parametrize("args", [["--format", "xlsx"], ["--bogus"], ["--format"]])
def test_bad_arguments_exit_2(db, args):
    cp = export(db, *args, expect_rc=2)
    assert "policytrack export" in cp.stderr


def test_unknown_export_exits_2(db):
    cp = ptutil.run_cli(["export", "users", "--database-url", db], expect_rc=2)
    assert "catalogue" in cp.stderr

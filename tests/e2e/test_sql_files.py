"""Every statement of sql/ is embedded, listed by `policytrack sql --list`,
printed by `policytrack sql NAME`, and plans against the migrated schema, so
a broken statement fails the suite rather than a user's request."""

import re
from pathlib import Path

import pytest

import ptutil

SQL_DIR = ptutil.ROOT / "sql"
# Statements that only the CLI sends, as the tables' owner.
OWNER_GROUPS = {"cli", "migrate"}


def statement_files():
    return sorted(p for p in SQL_DIR.glob("*/*.sql") if p.parent.name not in ("fragments", "definitions"))


def listed():
    out = ptutil.run_cli(["sql", "--list"], expect_rc=0).stdout
    rows = {}
    for line in out.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3:
            rows[parts[0]] = (parts[1], parts[2])
    return rows


def test_every_file_is_listed_with_its_group_and_summary():
    rows = listed()
    files = statement_files()
    assert files, "no statements under sql/"
    for f in files:
        assert f.stem in rows, f"{f} is not listed by `policytrack sql --list`"
        group, summary = rows[f.stem]
        assert group == f.parent.name
        first = f.read_text(encoding="utf-8").split("\n", 1)[0]
        assert first.startswith("--") and summary == first[2:].strip()
    assert set(rows) == {f.stem for f in files}, "a listed statement has no file"


def test_unknown_statement_is_refused():
    cp = ptutil.run_cli(["sql", "no_such_statement"], expect_rc=2)
    assert "no statement 'no_such_statement'" in cp.stderr


def explainable(path):
    return not re.search(r"^-- not explainable:", path.read_text(encoding="utf-8"), re.M)


@pytest.mark.parametrize("path", statement_files(), ids=lambda p: p.stem)
def test_statement_plans_against_the_schema(migrated_db, path):
    name = path.stem
    text = ptutil.run_cli(["sql", name], expect_rc=0).stdout.rstrip("\n")
    assert "{{" not in text, f"{name}: a fragment was not expanded"
    if not explainable(path):
        pytest.skip(f"{name} is a utility statement (its header says why)")
    params = [line.split()[2:] for line in ptutil.run_cli(["sql", name, "--params"], expect_rc=0)
              .stdout.splitlines() if line.strip()]
    types = [" ".join(p) for p in params]
    url = ptutil.migrate_db_url() if path.parent.name in OWNER_GROUPS else migrated_db
    decl = f"({', '.join(types)})" if types else ""
    args = f"({', '.join('NULL' for _ in types)})" if types else ""
    cp = ptutil.psql(url, f"PREPARE s{decl} AS {text};\nEXPLAIN EXECUTE s{args};\n", check=False)
    assert cp.returncode == 0, f"{name} does not plan:\n{cp.stderr}"


def test_inlined_rules_agree_with_the_done_statuses(migrated_db):
    """task_rag_at() and task_overdue() name the done statuses for speed; they
    must treat exactly the statuses task_statuses marks done as done."""
    rows = ptutil.psql(migrated_db,
                       "SELECT status, done, task_overdue(status, current_date - 1), "
                       "task_rag_at(status, 0, current_date - 1, now(), current_date) "
                       "FROM task_statuses WHERE status <> 'blocked' ORDER BY sort_order;\n").stdout.split()
    assert rows
    for row in rows:
        status, done, overdue, rag = row.split("|")
        assert (overdue == "f") == (done == "t"), f"task_overdue() and task_statuses.done disagree on {status}"
        assert (rag == "green") == (done == "t"), f"task_rag_at() and task_statuses.done disagree on {status}"

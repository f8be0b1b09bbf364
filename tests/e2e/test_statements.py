"""`policytrack sql NAME` prints the statement the daemon really sends: run
through psql with the same parameters, it yields what the HTTP API answers.
bench/run relies on this to give pgbench the daemon's own SQL."""

import json

import pytest

import ptutil


@pytest.fixture(scope="module")
def d(module_daemons, migrated_db):
    return module_daemons.start(database_url=migrated_db)


@pytest.fixture(scope="module")
def obs(migrated_db):
    return ptutil.bearer(ptutil.issue_token(migrated_db, ptutil.make_user(migrated_db, "observer")))


def sql_of(name):
    return ptutil.run_cli(["sql", name], expect_rc=0).stdout.strip()


def literal(value):
    return "NULL" if value is None else "'" + str(value).replace("'", "''") + "'"


def execute(url, name, values):
    """PREPAREs the printed statement and EXECUTEs it; returns the rows' columns."""
    declared = ptutil.run_cli(["sql", name, "--params"], expect_rc=0).stdout.split("\n")
    assert len([p for p in declared if p]) == len(values)
    out = ptutil.psql(url, f"PREPARE s AS {sql_of(name)};\n"
                           f"EXECUTE s({', '.join(literal(v) for v in values)});\n")
    return out.stdout.rstrip("\n").split("|")


def test_lists_the_statements_bench_runs():
    names = {line.split()[0] for line in ptutil.run_cli(["sql", "--list"], expect_rc=0).stdout.splitlines()}
    assert {"task_get", "task_list", "task_update", "dashboard_summary"} <= names
    cp = ptutil.run_cli(["sql", "nope"], expect_rc=2)
    assert "no statement 'nope'" in cp.stderr


def test_task_get_is_what_the_daemon_sends(d, obs):
    via_http = d.get("/api/v1/tasks/7", headers=obs)
    assert via_http.status == 200
    cols = execute(ptutil.app_db_url(), "task_get", ["observer", None, None, "7"])
    assert json.loads(cols[0]) == via_http.json(), (cols[0], via_http.body)
    assert f'"{cols[1]}"' == via_http.header("ETag")


def test_task_list_is_what_the_daemon_sends(d, obs):
    via_http = d.get("/api/v1/tasks?agency=ndrc&limit=20", headers=obs)
    assert via_http.status == 200
    cols = execute(ptutil.app_db_url(), "task_list",
                   ["observer", None, None, "ndrc", None, None, None, None, None, None, None, None, "20", None, None,
                    None, None, None])
    assert json.loads(cols[0]) == via_http.json()["items"]


def test_dashboard_summary_is_what_the_daemon_sends(d, obs):
    via_http = d.get("/api/v1/dashboard/summary?province=CN-LN", headers=obs)
    assert via_http.status == 200
    cols = execute(ptutil.app_db_url(), "dashboard_summary", [None, "CN-LN", None, None, None])
    assert json.loads(cols[0]) == via_http.json(), (cols[0], via_http.body)

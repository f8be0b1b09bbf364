"""as_of and trend rebuild earlier states from the audit trail: a history is
written into a database of its own (backdated as a superuser can), then the
dashboards must reproduce each day of it."""

import pytest

import ptutil


@pytest.fixture(scope="module")
def db():
    with ptutil.fresh_database() as db:
        ptutil.migrate(db.owner_url)
        yield db


@pytest.fixture(scope="module")
def history(db):
    owner = db.owner_url
    a, b = [int(x) for x in ptutil.psql_value(owner, "SELECT string_agg(id::text, ' ' ORDER BY id) FROM "
                                                     "(SELECT id FROM tasks ORDER BY id LIMIT 2) t").split()]
    admin = ptutil.conninfo_with(ptutil.admin_db_url(), dbname=db.name)
    events = [
        (a, "2026-02-10 10:00+00", '{"status": {"from": "not_started", "to": "in_progress"}, "progress": {"from": 0, "to": 30}}'),
        (b, "2026-03-15 10:00+00", '{"status": {"from": "not_started", "to": "blocked"}}'),
        (a, "2026-04-05 10:00+00", '{"status": {"from": "in_progress", "to": "completed"}, "progress": {"from": 30, "to": 100}}'),
    ]
    sql = ["ALTER TABLE events DISABLE TRIGGER events_chain;"]
    for task, at, changes in events:
        sql.append(f"INSERT INTO events (id, at, subject_type, subject_id, kind, changes, prev_hash, hash) VALUES "
                   f"(nextval('events_id_seq'), '{at}', 'task', {task}, 'task.status_changed', '{changes}', "
                   f"repeat('0', 64), repeat('0', 64));")
    sql.append("ALTER TABLE events ENABLE TRIGGER events_chain;")
    sql.append("UPDATE tasks SET created_at = '2026-01-01 00:00+00', updated_at = '2026-01-01 00:00+00';")
    sql.append(f"UPDATE tasks SET status = 'completed', progress = 100, updated_at = '2026-04-05 10:00+00' "
               f"WHERE id = {a};")
    sql.append(f"UPDATE tasks SET status = 'blocked', updated_at = '2026-03-15 10:00+00' WHERE id = {b};")
    ptutil.psql(admin, "\n".join(sql) + "\n")
    return a, b


@pytest.fixture(scope="module")
def d(module_daemons, db):
    return module_daemons.start(database_url=db.app_url)


@pytest.fixture(scope="module")
def auth(db):
    return ptutil.bearer(ptutil.issue_token(db.app_url, ptutil.make_user(db.app_url, "observer")))


def get(d, auth, path):
    r = d.get(path, headers=auth)
    assert r.status == 200, r
    return r.json()


def test_as_of_reproduces_each_day(d, auth, history):
    total = get(d, auth, "/api/v1/dashboard/summary")["totals"]["tasks"]
    cases = {
        "2025-12-31": {"tasks": 0},
        "2026-01-31": {"not_started": total, "in_progress": 0, "blocked": 0, "completed": 0},
        "2026-03-20": {"not_started": total - 2, "in_progress": 1, "blocked": 1, "completed": 0},
        "2026-04-30": {"not_started": total - 2, "in_progress": 0, "blocked": 1, "completed": 1},
    }
    for day, want in cases.items():
        totals = get(d, auth, f"/api/v1/dashboard/summary?as_of={day}")["totals"]
        assert {k: totals[k] for k in want} == want, day
        rows = get(d, auth, f"/api/v1/dashboard/by-province?as_of={day}")["rows"]
        assert sum(r["tasks"] for r in rows) == totals["tasks"], day
    # As of today, the rebuilt state is the current one, RAG included.
    today = ptutil.psql_value(ptutil.admin_db_url(), "SELECT current_date")
    assert get(d, auth, f"/api/v1/dashboard/by-agency?as_of={today}") == get(d, auth, "/api/v1/dashboard/by-agency")


def test_trend_over_the_history(d, auth, history):
    body = get(d, auth, "/api/v1/dashboard/trend?from=2026-01-01&to=2026-05-31&interval=month")
    days = [r["day"] for r in body["rows"]]
    assert days == ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"]
    assert [(r["in_progress"], r["blocked"], r["completed"]) for r in body["rows"]] == [
        (0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 1), (0, 1, 1)]
    quarters = get(d, auth, "/api/v1/dashboard/trend?from=2026-01-01&to=2026-06-30&interval=quarter")["rows"]
    assert [(r["day"], r["completed"]) for r in quarters] == [("2026-03-31", 0), ("2026-06-30", 1)]


@pytest.mark.parametrize("query,field", [("to=2026-01-01", "from"), ("from=2026-01-01", "to"),
                                         ("from=2026-05-01&to=2026-01-01", "to"),
                                         ("from=2026-01-01&to=2026-02-01&interval=week", "interval"),
                                         ("from=2000-01-01&to=2026-01-01", "from"),
                                         ("from=2026-02-30&to=2026-03-01", "from")])
def test_bad_trends_are_400(d, auth, query, field):
    r = d.get(f"/api/v1/dashboard/trend?{query}", headers=auth)
    assert field in ptutil.assert_problem(r, 400)["errors"]

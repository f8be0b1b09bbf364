"""as_of and trend rebuild earlier states from the audit trail: a history is
written into a database of its own (backdated as a superuser can), then the
dashboards must reproduce each day of it."""

import json

import pytest

import ptutil


@pytest.fixture(scope="module")
def db():
    with ptutil.fresh_database() as db:
        # The catalogue as migration 0003 made it, without the bundled import:
        # its re-assignment events happen today, after the history written
        # below into the past, whose timeline they would contradict.
        ptutil.migrate(db.owner_url, "--no-documents")
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


# ---------------------------------------------------------------------------
# The derived states (task_event_states, migration 0012) behind as_of and the
# trend must give exactly what 0009's rebuild from the events gives, whatever
# order events arrive in: through the daemon, several in one statement, with
# an id below one the task already has, or with a time before an earlier
# event's (a clock stepped back).

# 0009's tasks_as_of(), verbatim but for its name: the definition as_of keeps.
AS_OF_0009 = """
CREATE FUNCTION pg_temp.as_of_0009(p_day date)
RETURNS TABLE (id bigint, status text, progress integer, due_date date, rag text,
               is_overdue boolean, changed_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT x.id, x.status, x.progress, x.due_date,
           coalesce(x.rag_override, task_rag_at(x.status, x.progress, x.due_date, x.changed_at, p_day)),
           coalesce(x.due_date < p_day, false) AND x.status NOT IN ('completed', 'verified'),
           x.changed_at
    FROM (
        SELECT t.id,
               coalesce(task_field_at(t.id, 'status', p_day) #>> '{}', 'not_started') AS status,
               coalesce((task_field_at(t.id, 'progress', p_day) #>> '{}')::integer, 0) AS progress,
               (task_field_at(t.id, 'due_date', p_day) #>> '{}')::date AS due_date,
               task_field_at(t.id, 'rag_override', p_day) ->> 'rating' AS rag_override,
               coalesce((SELECT max(e.at) FROM events e WHERE e.subject_type = 'task'
                         AND e.subject_id = t.id AND e.at < p_day + 1), t.created_at) AS changed_at
        FROM tasks t
        WHERE t.created_at < p_day + 1
    ) x
$$;
"""

# Each task event's row, recomputed the slow and obvious way.
STATES_FROM_EVENTS = """
SELECT e.subject_id, e.id, e.at,
       EXISTS (SELECT 1 FROM events p WHERE p.subject_type = 'task' AND p.subject_id = e.subject_id
               AND p.id < e.id AND p.at > e.at),
       e.changes ? 'status',
       (SELECT p.changes -> 'status' -> 'to' #>> '{}' FROM events p WHERE p.subject_type = 'task'
        AND p.subject_id = e.subject_id AND p.id <= e.id AND p.changes ? 'status' ORDER BY p.id DESC LIMIT 1),
       (SELECT p.changes -> 'progress' -> 'to' #>> '{}' FROM events p WHERE p.subject_type = 'task'
        AND p.subject_id = e.subject_id AND p.id <= e.id AND p.changes ? 'progress' ORDER BY p.id DESC LIMIT 1),
       (SELECT p.changes -> 'due_date' -> 'to' #>> '{}' FROM events p WHERE p.subject_type = 'task'
        AND p.subject_id = e.subject_id AND p.id <= e.id AND p.changes ? 'due_date' ORDER BY p.id DESC LIMIT 1),
       (SELECT p.changes -> 'rag_override' -> 'to' ->> 'rating' FROM events p WHERE p.subject_type = 'task'
        AND p.subject_id = e.subject_id AND p.id <= e.id AND p.changes ? 'rag_override' ORDER BY p.id DESC LIMIT 1)
FROM events e WHERE e.subject_type = 'task'
"""

STATES = ("SELECT task_id, event_id, at, out_of_order, sets_status, status, progress, due_date, rag_override "
          "FROM task_event_states")


def differences(url, a, b):
    """Rows in one query's answer and not the other's, both ways (duplicates counted)."""
    return int(ptutil.psql_value(url, f"SELECT count(*) FROM (({a}) EXCEPT ALL ({b})) x;\n") or 0) + \
        int(ptutil.psql_value(url, f"SELECT count(*) FROM (({b}) EXCEPT ALL ({a})) x;\n") or 0)


@pytest.fixture(scope="module")
def odd_db():
    with ptutil.fresh_database() as db:
        ptutil.migrate(db.owner_url)
        yield db


@pytest.fixture(scope="module")
def odd_history(odd_db):
    """Events written behind the daemon's back, as a superuser can: out of time
    order, with an id below the task's last, several tasks in one statement."""
    owner = odd_db.owner_url
    ids = [int(x) for x in ptutil.psql_value(owner, "SELECT string_agg(id::text, ' ' ORDER BY id) FROM "
                                                    "(SELECT id FROM tasks ORDER BY id LIMIT 6) t").split()]
    a, b, c, d, e, f = ids
    admin = ptutil.conninfo_with(ptutil.admin_db_url(), dbname=odd_db.name)

    def ev(task, at, changes, eid="nextval('events_id_seq')"):
        return (f"({eid}, '{at}', 'task', {task}, 'task.updated', '{changes}'::jsonb, "
                f"repeat('0', 64), repeat('0', 64))")

    insert = "INSERT INTO events (id, at, subject_type, subject_id, kind, changes, prev_hash, hash) VALUES "
    sql = ["ALTER TABLE events DISABLE TRIGGER events_chain;",
           "UPDATE tasks SET created_at = '2026-01-01 00:00+00', updated_at = '2026-01-01 00:00+00';",
           f"UPDATE tasks SET created_at = '2026-03-01 00:00+00' WHERE id = {f};"]
    for row in [
        ev(a, "2026-01-10 10:00+00", '{"status": {"from": "not_started", "to": "in_progress"}, '
                                     '"progress": {"from": 0, "to": 10}, "due_date": {"from": null, "to": "2026-03-01"}}'),
        ev(b, "2026-01-20 10:00+00", '{"due_date": {"from": null, "to": "2026-02-15"}}'),
        ev(a, "2026-02-05 10:00+00", '{"progress": {"from": 10, "to": 40}}'),
        ev(c, "2026-02-10 10:00+00", '{"status": {"from": "not_started", "to": "blocked"}, '
                                     '"rag_override": {"from": null, "to": {"rating": "amber", "rationale": "x"}}}'),
        # A later id with an earlier time: c's events are out of order from here on.
        ev(c, "2026-01-25 10:00+00", '{"progress": {"from": 0, "to": 20}, '
                                     '"status": {"from": "blocked", "to": "in_progress"}}'),
        ev(f, "2026-02-20 10:00+00", '{"status": {"from": "not_started", "to": "in_progress"}}'),
    ]:
        sql.append(insert + row + ";")
    # Several tasks, and two events of one task, in one statement.
    sql.append(insert + ", ".join([
        ev(a, "2026-03-05 10:00+00", '{"status": {"from": "in_progress", "to": "completed"}, '
                                     '"progress": {"from": 40, "to": 100}}'),
        ev(b, "2026-03-06 10:00+00", '{"status": {"from": "not_started", "to": "in_progress"}}'),
        ev(e, "2026-03-07 10:00+00", '{"due_date": {"from": null, "to": "2026-06-30"}}'),
        ev(e, "2026-03-08 10:00+00", '{"due_date": {"from": "2026-06-30", "to": null}}'),
    ]) + ";")
    # d gets an event with a high id, then one with a lower id: d is rebuilt.
    sql.append(insert + ev(d, "2026-04-01 10:00+00", '{"status": {"from": "not_started", "to": "in_progress"}}',
                           "nextval('events_id_seq') + 1000") + ";")
    sql.append(insert + ev(d, "2026-02-01 10:00+00", '{"progress": {"from": 0, "to": 5}}') + ";")
    sql.append(insert + ev(c, "2026-05-01 10:00+00", '{"rag_override": {"from": {"rating": "amber", '
                                                     '"rationale": "x"}, "to": null}}') + ";")
    sql.append("ALTER TABLE events ENABLE TRIGGER events_chain;")
    ptutil.psql(admin, "\n".join(sql) + "\n")
    return ids


@pytest.fixture(scope="module")
def odd_d(module_daemons, odd_db):
    return module_daemons.start(database_url=odd_db.app_url)


@pytest.fixture(scope="module")
def odd_who(odd_db):
    coord = ptutil.make_user(odd_db.app_url, "coordinator")
    obs = ptutil.make_user(odd_db.app_url, "observer")
    return {"coord": ptutil.bearer(ptutil.issue_token(odd_db.app_url, coord)),
            "obs": ptutil.bearer(ptutil.issue_token(odd_db.app_url, obs))}


@pytest.fixture(scope="module")
def odd_writes(odd_d, odd_who, odd_history):
    """Then changes through the daemon, one by one and in a batch, d's included
    (its new event's id is below its high one, its time after it)."""
    a, b, c, d, e, f = odd_history

    def etag(task):
        r = odd_d.get(f"/api/v1/tasks/{task}", headers=odd_who["obs"])
        assert r.status == 200, r
        return r.header("ETag")

    for task, change in ((e, {"status": "in_progress", "progress": 30}),
                         (d, {"due_date": "2026-12-31", "rag_override": {"rating": "red", "rationale": "late"}}),
                         (b, {"status": "blocked", "note": "no budget"})):
        r = odd_d.request("PATCH", f"/api/v1/tasks/{task}",
                          headers={**odd_who["coord"], "Content-Type": "application/json", "If-Match": etag(task)},
                          body=json.dumps(change).encode())
        assert r.status == 200, r
    page = odd_d.get("/api/v1/tasks?limit=3&status=not_started&province=CN-JL", headers=odd_who["obs"]).json()
    items = [{"id": t["id"], "if_match": t["etag"], "status": "in_progress"} for t in page["items"]]
    r = odd_d.request("POST", "/api/v1/tasks:batch-update",
                      headers={**odd_who["coord"], "Content-Type": "application/json"},
                      body=json.dumps({"items": items}).encode())
    assert r.status == 200, r
    return odd_history


def test_states_are_what_the_events_say(odd_db, odd_writes):
    url = odd_db.owner_url
    assert int(ptutil.psql_value(url, "SELECT count(*) FROM task_event_states")) == \
        int(ptutil.psql_value(url, "SELECT count(*) FROM events WHERE subject_type = 'task'"))
    assert differences(url, STATES, STATES_FROM_EVENTS) == 0
    # c's events are out of time order; d's too since the daemon gave it an event
    # with an id below its high one and a later time (d was rebuilt each time it
    # got an id below its last).
    c, d = odd_writes[2], odd_writes[3]
    assert ptutil.psql_value(url, "SELECT string_agg(DISTINCT task_id::text, ',' ORDER BY task_id::text) "
                                  "FROM task_event_states WHERE out_of_order") == ",".join(sorted([str(c), str(d)]))
    # A full rebuild changes nothing.
    before = ptutil.psql_value(url, f"SELECT md5(string_agg(s::text, '|' ORDER BY event_id)) FROM ({STATES}) s")
    ptutil.psql(url, "SELECT task_event_states_rebuild(NULL);\n")
    assert ptutil.psql_value(url, f"SELECT md5(string_agg(s::text, '|' ORDER BY event_id)) FROM ({STATES}) s") == before


def test_as_of_is_0009s_rebuild(odd_db, odd_writes):
    url = odd_db.owner_url
    days = ["2025-12-31", "2026-01-10", "2026-01-24", "2026-01-25", "2026-01-31", "2026-02-07", "2026-02-28",
            "2026-03-05", "2026-03-31", "2026-04-15", "2026-05-31"]
    script = AS_OF_0009
    for day in days + ["current_date", "current_date + 1"]:
        day = day if day.startswith("current") else f"'{day}'::date"
        a, b = f"SELECT * FROM tasks_as_of({day})", f"SELECT * FROM pg_temp.as_of_0009({day})"
        script += (f"SELECT {day}, (SELECT count(*) FROM (({a}) EXCEPT ALL ({b})) x) + "
                   f"(SELECT count(*) FROM (({b}) EXCEPT ALL ({a})) x);\n")
    out = ptutil.psql(url, script).stdout.split()
    assert out and all(line.endswith("|0") for line in out), out


def test_the_app_cannot_write_the_states(odd_db, odd_writes):
    for sql in ("INSERT INTO task_event_states VALUES (1, 1, now(), false, false, NULL, NULL, NULL, NULL);",
                "DELETE FROM task_event_states;", "UPDATE task_event_states SET status = 'verified';",
                "SELECT task_event_states_rebuild(NULL);"):
        cp = ptutil.psql(odd_db.app_url, sql + "\n", check=False)
        assert cp.returncode != 0 and "permission denied" in cp.stderr, (sql, cp.stderr)


@pytest.mark.parametrize("query", ["", "agency=moc", "province=CN-JL", "section=3", "section=4.4&province=CN-LN"])
@pytest.mark.parametrize("interval", ["month", "quarter"])
def test_trend_is_tasks_as_of_at_each_point(odd_db, odd_d, odd_who, odd_writes, query, interval):
    today = ptutil.psql_value(odd_db.owner_url, "SELECT current_date")
    r = odd_d.get(f"/api/v1/dashboard/trend?from=2025-11-15&to={today}&interval={interval}&{query}",
                  headers=odd_who["obs"])
    assert r.status == 200, r
    rows = r.json()["rows"]
    filters = dict(kv.split("=") for kv in query.split("&") if kv)
    where = " AND ".join(["true"] + [{"agency": "t.agency_code = '{}'", "province": "t.province_code = '{}'",
                                      "section": "(s.code = '{0}' OR s.code LIKE '{0}.%')"}[k].format(v)
                                     for k, v in filters.items()])
    days = ",".join(row["day"] for row in rows)
    got = ptutil.psql(odd_db.owner_url, AS_OF_0009 + f"""
        SELECT p.day, count(x.id), count(x.id) FILTER (WHERE x.status = 'not_started'),
               count(x.id) FILTER (WHERE x.status = 'in_progress'), count(x.id) FILTER (WHERE x.status = 'blocked'),
               count(x.id) FILTER (WHERE x.status = 'completed'), count(x.id) FILTER (WHERE x.status = 'verified')
        FROM unnest('{{{days}}}'::date[]) p(day)
        LEFT JOIN LATERAL (SELECT a.* FROM pg_temp.as_of_0009(p.day) a JOIN tasks t ON t.id = a.id
                           JOIN measures m ON m.id = t.measure_id JOIN sections s ON s.id = m.section_id
                           WHERE {where}) x ON true
        GROUP BY p.day ORDER BY p.day;
    """).stdout.split()
    want = ["|".join(str(row[k]) for k in ("day", "tasks", "not_started", "in_progress", "blocked", "completed",
                                          "verified")) for row in rows]
    assert got == want
    if not query:
        assert any(row["in_progress"] for row in rows) and any(row["completed"] for row in rows)

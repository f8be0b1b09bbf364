"""The dashboards' aggregates (issue 15, item 1) stay exact: after random
sequences of changes, through the API (status, progress, due dates, RAG
overrides, batch updates, receipt, send-back, re-assignment, extensions) and
straight in the tables as the owner (moves to another agency, back-dated
updates, new and deleted tasks, corrections), every sum in dashboard_counts
equals a full recomputation from the tasks with task_rag_at() on random days
(from yesterday on: the clock moves forward),
each task's stored part equals the one computed now, and every
aggregate-backed dashboard statement (dashboard_summary_counts, ...) answers
byte for byte what its scan (dashboard_summary, ..., the statements as they
were before the sums) answers, under many filters. The matrix's kept rows
(dashboard_matrix_rows) equal, on each day they claim to hold, the row
recomputed from the tasks, and the matrix from them answers what its scan
does. A database of its own: the changes are many."""

import datetime
import json
import random
import subprocess
import threading
import time

import pytest

import ptutil

# The aggregate-backed statements.
DASHBOARDS = ["dashboard_summary", "dashboard_by_agency", "dashboard_by_province",
              "dashboard_by_section", "dashboard_by_document", "dashboard_matrix"]

# The matrix's kept rows answer only when no filter takes tasks out of a cell:
# with agency or province it yields nothing and the daemon scans.
SCANNED = {"dashboard_matrix": lambda a, p, s, doc: a is not None or p is not None}


@pytest.fixture(scope="module")
def db():
    with ptutil.fresh_database() as db:
        ptutil.migrate(db.owner_url)
        yield db


@pytest.fixture(scope="module")
def d(module_daemons, db):
    return module_daemons.start(database_url=db.app_url)


@pytest.fixture(scope="module")
def who(db):
    specs = {"coord": ("coordinator", {}), "obs": ("observer", {}),
             "most": ("agency", {"agency": "most"}), "sipo": ("agency", {"agency": "sipo"}),
             "ncac": ("agency", {"agency": "ncac"})}
    out = {}
    for name, (role, scope) in specs.items():
        user = ptutil.make_user(db.app_url, role, **scope)
        out[name] = ptutil.bearer(ptutil.issue_token(db.app_url, user))
    return out


@pytest.fixture(scope="module")
def statements():
    """Each dashboard's statement over the sums and its scan."""
    return {name: (ptutil.run_cli(["sql", name + "_counts"], expect_rc=0).stdout,
                   ptutil.run_cli(["sql", name], expect_rc=0).stdout) for name in DASHBOARDS}


@pytest.fixture(scope="module")
def filters(db):
    doc, section = ptutil.psql_value(db.owner_url, """
        SELECT d.code || '|' || s.code
        FROM documents d JOIN sections s ON s.document_id = d.id
        WHERE s.part IS NULL AND EXISTS (SELECT 1 FROM measures m JOIN sections ms ON ms.id = m.section_id
                                         WHERE ms.parent_id = s.id OR ms.id = s.id)
        ORDER BY d.id, s.sort_order LIMIT 1""").split("|")
    part = ptutil.psql_value(db.owner_url, f"""
        SELECT s.code FROM sections s JOIN documents d ON d.id = s.document_id
        WHERE d.code = '{doc}' AND s.part IS NOT NULL
          AND EXISTS (SELECT 1 FROM measures m WHERE m.section_id = s.id)
        ORDER BY s.sort_order LIMIT 1""")
    # (agency, province, section, document): every grain and its filters.
    return [(None, None, None, None), ("most", None, None, None), (None, "CN-LN", None, None),
            (None, None, None, doc), (None, None, section, doc), (None, None, part, doc),
            ("most", "CN-LN", None, None), ("sipo", None, section, doc), (None, "CN-JL", None, doc),
            ("ncac", "CN-LN", part, doc), ("nobody", None, None, None)]


def lit(v):
    return "NULL" if v is None else "'" + v.replace("'", "''") + "'"


def answers(db, statement, filters, zone="Asia/Shanghai", as_of=None):
    """The statement's answers (both columns) under each filter, in one session."""
    marker = "8c1e-answer-end"
    script = [f"SET TimeZone = '{zone}';"]
    # The matrix's statements page ($6 cursor, $7 limit): NULL, NULL is the
    # whole answer (the CSV's), and its first two columns the others' shape.
    paged = "$7" in statement
    if paged:
        statement = f"SELECT a, b FROM ({statement}\n) s(a, b, next_key)"
    types, more = ("text, text, text, date, text", "")
    if paged:
        types, more = types + ", bigint, int", ", NULL, NULL"
    script.append(f"PREPARE q({types}) AS {statement};")
    for a, p, s, doc in filters:
        script.append(f"EXECUTE q({lit(a)}, {lit(p)}, {lit(s)}, {lit(as_of)}, {lit(doc)}{more});")
        script.append(f"SELECT '{marker}';")
    out = ptutil.psql(db.owner_url, "\n".join(script) + "\n", timeout=120).stdout
    return out.split(marker)[:-1]


def trend_answers(db, statement, filters, spans, zone="Asia/Shanghai"):
    """The trend statement's answers under each filter and span (from, to, interval)."""
    marker = "8c1e-answer-end"
    script = [f"SET TimeZone = '{zone}';"]
    script.append(f"PREPARE q(text, text, text, date, date, text, text) AS {statement};")
    for a, p, s, doc in filters:
        for frm, to, interval in spans:
            script.append(f"EXECUTE q({lit(a)}, {lit(p)}, {lit(s)}, '{frm}', '{to}', '{interval}', {lit(doc)});")
            script.append(f"SELECT '{marker}';")
    out = ptutil.psql(db.owner_url, "\n".join(script) + "\n", timeout=120).stdout
    return out.split(marker)[:-1]


def assert_statements_agree(db, statements, filters, as_of=None):
    for name, (counted, scan) in statements.items():
        if as_of is not None and name in SCANNED:
            continue
        fast = answers(db, counted, filters, as_of=as_of)
        slow = answers(db, scan, filters, as_of=as_of)
        assert len(fast) == len(filters)
        for f, a, b in zip(filters, fast, slow):
            if name in SCANNED and SCANNED[name](*f):
                # No answer from the kept rows, but the same filter problem.
                assert a.strip() == "|" + b.strip().rsplit("|", 1)[1], (name, f, a[:200])
                continue
            assert a == b, f"{name} {f} as of {as_of}:\naggregates {a[:400]}\nscan       {b[:400]}"


RECOMPUTE = """
WITH agg AS (
    SELECT grain, section_id, agency_code, province_code, status,
           sum(tasks) AS tasks, sum(unreceived) AS unreceived, sum(sent_back) AS sent_back,
           sum(ext_open) AS ext_open, sum(ext_approved) AS ext_approved,
           sum(rag_red) AS red, sum(rag_amber_or_red) - sum(rag_red) AS amber,
           sum(tasks) - sum(rag_amber_or_red) AS green, sum(overdue) AS overdue
    -- The kept rows at their grain, and writers' parts not folded yet, which
    -- are at the finest grain only, at every coarser grain too.
    FROM (SELECT grain, section_id, agency_code, province_code, status, day, tasks, unreceived, sent_back,
                 ext_open, ext_approved, rag_amber_or_red, rag_red, overdue
          FROM dashboard_counts
          UNION ALL
          SELECT g.grain::smallint, CASE WHEN g.grain = 3 THEN c.section_id ELSE 0 END,
                 CASE WHEN g.grain = 1 THEN c.agency_code ELSE '' END,
                 CASE WHEN g.grain = 2 THEN c.province_code ELSE '' END, c.status, c.day, c.tasks, c.unreceived,
                 c.sent_back, c.ext_open, c.ext_approved, c.rag_amber_or_red, c.rag_red, c.overdue
          FROM dashboard_counts c CROSS JOIN generate_series(0, 3) g(grain)
          WHERE c.part <> 0 AND c.grain = 4) dc
    WHERE day <= '{day}'::date
    GROUP BY 1, 2, 3, 4, 5
    HAVING sum(tasks) <> 0 OR sum(unreceived) <> 0 OR sum(sent_back) <> 0 OR sum(ext_open) <> 0
        OR sum(ext_approved) <> 0 OR sum(rag_red) <> 0 OR sum(rag_amber_or_red) <> 0 OR sum(overdue) <> 0
),
t AS (
    SELECT t.*, m.section_id,
           coalesce(t.rag_override, task_rag_at(t.status, t.progress, t.due_date, t.updated_at, '{day}'::date)) AS rag,
           coalesce(t.due_date < '{day}'::date, false) AND t.status NOT IN ('completed', 'verified') AS late,
           EXISTS (SELECT 1 FROM extension_requests e WHERE e.task_id = t.id AND e.state = 'open') AS eo,
           EXISTS (SELECT 1 FROM extension_requests e WHERE e.task_id = t.id AND e.state = 'approved') AS ea
    FROM tasks t JOIN measures m ON m.id = t.measure_id
),
ref AS (
    SELECT g.grain::smallint AS grain,
           CASE WHEN g.grain IN (3, 4) THEN t.section_id ELSE 0 END AS section_id,
           CASE WHEN g.grain IN (1, 4) THEN t.agency_code ELSE '' END AS agency_code,
           CASE WHEN g.grain IN (2, 4) THEN t.province_code ELSE '' END AS province_code,
           t.status,
           count(*)::numeric AS tasks,
           count(*) FILTER (WHERE t.receipt = 'unreceived')::numeric,
           count(*) FILTER (WHERE t.receipt = 'sent_back')::numeric,
           count(*) FILTER (WHERE t.eo)::numeric,
           count(*) FILTER (WHERE t.ea)::numeric,
           count(*) FILTER (WHERE t.rag = 'red')::numeric,
           count(*) FILTER (WHERE t.rag = 'amber')::numeric,
           count(*) FILTER (WHERE t.rag = 'green')::numeric,
           count(*) FILTER (WHERE t.late)::numeric
    FROM t CROSS JOIN generate_series(0, 4) g(grain)
    GROUP BY 1, 2, 3, 4, 5
),
a AS (SELECT grain, section_id, agency_code, province_code, status, tasks::numeric, unreceived::numeric,
             sent_back::numeric, ext_open::numeric, ext_approved::numeric, red::numeric, amber::numeric,
             green::numeric, overdue::numeric FROM agg)
SELECT (SELECT count(*) FROM (SELECT * FROM a EXCEPT SELECT * FROM ref) x)
       || ' ' || (SELECT count(*) FROM (SELECT * FROM ref EXCEPT SELECT * FROM a) y)
       || ' ' || (SELECT count(*) FROM ref);
"""

PARTS = """
SELECT (SELECT count(*) FROM (SELECT * FROM dashboard_task_parts EXCEPT SELECT * FROM dashboard_task_parts_now) x)
       + (SELECT count(*) FROM (SELECT * FROM dashboard_task_parts_now EXCEPT SELECT * FROM dashboard_task_parts) y);
"""


# The matrix's rows recomputed from the tasks as they are, judged on {day}
# (the scan's cells with task_rag_at()), against each kept row: equal to it on
# the days it holds (from computed_on until turns_on), else to the row the
# readers rebuild from the parts for that day. Mismatches, and the rows.
MATRIX_AT = """
SET TimeZone = 'Asia/Shanghai';
WITH f AS (
    SELECT t.*, coalesce(t.rag_override, task_rag_at(t.status, t.progress, t.due_date, t.updated_at, '{day}'::date)) AS rag
    FROM tasks t
),
cells AS (
    SELECT f.measure_id, f.province_code,
           json_build_object(
               'status', (array_agg(f.status ORDER BY f.agency_code) FILTER (WHERE f.role = 'lead'))[1],
               'rag', (array_agg(f.rag ORDER BY f.agency_code) FILTER (WHERE f.role = 'lead'))[1],
               'tasks', count(*),
               'support', coalesce(json_agg(json_build_object('agency', f.agency_code, 'status', f.status, 'rag', f.rag)
                                            ORDER BY f.agency_code) FILTER (WHERE f.role = 'support'), '[]')) AS cell
    FROM f GROUP BY f.measure_id, f.province_code
),
ref AS (
    SELECT m.id, json_object_concat(json_build_object('document', d.code, 'measure', m.code, 'text_zh', m.text_zh),
                                    json_object_agg(p.code, c.cell ORDER BY p.sort_order))::text AS j
    FROM measures m JOIN documents d ON d.id = m.document_id
    CROSS JOIN provinces p
    LEFT JOIN cells c ON c.measure_id = m.id AND c.province_code = p.code
    WHERE m.id IN (SELECT measure_id FROM cells)
    GROUP BY m.id, d.code
),
kept AS (
    SELECT x.measure_id AS id,
           CASE WHEN x.computed_on <= '{day}'::date AND (x.turns_on IS NULL OR x.turns_on > '{day}'::date)
                THEN x.row_json ELSE (dashboard_matrix_row(x.measure_id, '{day}'::date)).row_json END AS j,
           x.computed_on <= '{day}'::date AND (x.turns_on IS NULL OR x.turns_on > '{day}'::date) AS holds
    FROM dashboard_matrix_rows x
)
SELECT (SELECT count(*) FROM (SELECT id, j FROM kept EXCEPT SELECT id, j FROM ref) a)
       + (SELECT count(*) FROM (SELECT id, j FROM ref EXCEPT SELECT id, j FROM kept) b)
       || ' ' || (SELECT count(*) FROM kept WHERE holds) || ' ' || (SELECT count(*) FROM ref);
"""


def days_to_check(db, rng):
    """Yesterday, today, random days up to two years ahead, and the days ahead
    on which some task's rating or lateness turns (the edges of the rules).
    Not earlier days: the sums fold days behind every reader into one row,
    and a day before is the scan's (as_of)."""
    today = datetime.date.fromisoformat(ptutil.psql_value(db.owner_url, "SELECT current_date"))
    edges = ptutil.psql_value(db.owner_url, """
        SELECT string_agg(x::text, ' ') FROM (
            SELECT DISTINCT x FROM dashboard_task_parts,
                   unnest(ARRAY[amber_or_red_from, red_from, overdue_from]) x
            WHERE isfinite(x) AND x > current_date ORDER BY 1) e""").split()
    days = {today, today - datetime.timedelta(days=1), today + datetime.timedelta(days=1)}
    days |= {today + datetime.timedelta(days=rng.randint(2, 730)) for _ in range(2)}
    for e in rng.sample(edges, min(3, len(edges))):
        day = datetime.date.fromisoformat(e)
        days |= {day, day - datetime.timedelta(days=1)}
    return sorted(days)


def past_days(db, rng):
    """Days to look back on: a random one over the history (two years back),
    today or one ahead, and one of the latest days with events or the day
    before it."""
    today = datetime.date.fromisoformat(ptutil.psql_value(db.owner_url, "SELECT current_date"))
    recent = ptutil.psql_value(db.owner_url, """
        SELECT string_agg(d::text, ' ') FROM (
            SELECT DISTINCT (at AT TIME ZONE 'Asia/Shanghai')::date AS d FROM events
            WHERE subject_type = 'task' ORDER BY 1 DESC LIMIT 3) x""").split()
    days = {rng.choice([today, today + datetime.timedelta(days=rng.randint(1, 365))]),
            today - datetime.timedelta(days=rng.randint(2, 730))}
    day = datetime.date.fromisoformat(rng.choice(recent))
    days.add(rng.choice([day, day - datetime.timedelta(days=1)]))
    return sorted(days)


def assert_history_exact(db, rng, statements, filters):
    """As of past and future days, and the trend over random spans, the sums
    by day answer what the scans over the audit trail answer, byte for byte;
    each task's stored days are the ones computed now."""
    assert ptutil.psql_value(db.owner_url, DAYS) == "0"
    # Half the filters on each day (every grain is among each half).
    for i, day in enumerate(past_days(db, rng)):
        assert_statements_agree(db, statements, filters[i % 2::2], as_of=day.isoformat())
    today = datetime.date.fromisoformat(ptutil.psql_value(db.owner_url, "SELECT current_date"))
    spans = []
    frm = today - datetime.timedelta(days=rng.randint(0, 800))
    to = frm + datetime.timedelta(days=rng.randint(0, 800))
    spans.append((frm, to, rng.choice(["month", "quarter"])))
    spans.append((today - datetime.timedelta(days=730), today, "month"))
    some = filters[rng.randint(0, 1)::2]
    fast = trend_answers(db, trend_statements()[0], some, spans)
    slow = trend_answers(db, trend_statements()[1], some, spans)
    assert len(fast) == len(some) * len(spans)
    for a, b in zip(fast, slow):
        assert a == b, f"trend:\naggregates {a[:400]}\nscan       {b[:400]}"


TREND = []


def trend_statements():
    if not TREND:
        TREND.extend(ptutil.run_cli(["sql", n], expect_rc=0).stdout
                     for n in ("dashboard_trend_counts", "dashboard_trend"))
    return TREND


# Each task's stored days against those computed now from its history.
DAYS = """
SET TimeZone = 'Asia/Shanghai';
SELECT (SELECT count(*) FROM (SELECT * FROM dashboard_task_days
                              EXCEPT SELECT * FROM dashboard_task_days_now(ARRAY(SELECT id FROM tasks))) x)
       + (SELECT count(*) FROM (SELECT * FROM dashboard_task_days_now(ARRAY(SELECT id FROM tasks))
                                EXCEPT SELECT * FROM dashboard_task_days) y);
"""


def assert_exact(db, rng, statements, filters):
    assert ptutil.psql_value(db.owner_url, PARTS) == "0"
    for day in days_to_check(db, rng):
        extra, missing, groups = ptutil.psql_value(db.owner_url, RECOMPUTE.format(day=day)).split()
        assert (extra, missing) == ("0", "0"), f"on {day}: {extra} sums not in the recomputation, {missing} missing"
        assert int(groups) > 0
        bad, held, rows = ptutil.psql_value(db.owner_url, MATRIX_AT.format(day=day)).split()
        assert bad == "0", f"on {day}: {bad} matrix rows differ from the recomputation ({held} of {rows} kept rows hold)"
        assert int(rows) > 0
    assert_statements_agree(db, statements, filters)
    assert_history_exact(db, rng, statements, filters)


def send(d, who, name, method, path, body=None, etag=None):
    headers = {"Content-Type": "application/json", **who[name]}
    if etag:
        headers["If-Match"] = etag
    return d.request(method, path, headers=headers, body=json.dumps(body).encode() if body is not None else None)


def task_ids(db, where="true"):
    return [int(x) for x in ptutil.psql_value(db.owner_url, f"SELECT string_agg(id::text, ' ' ORDER BY id) FROM tasks WHERE {where}").split()]


def api_change(d, who, db, rng, today):
    """One random change through the API; a refusal (a transition not
    allowed, a receipt state) is fine: it changes nothing."""
    tasks = task_ids(db, "agency_code IN ('most', 'sipo', 'ncac')")
    task = rng.choice(tasks)
    t = d.get(f"/api/v1/tasks/{task}", headers=who["coord"]).json()
    unit = t["agency"]["code"] if isinstance(t.get("agency"), dict) else t.get("agency_code", "most")
    unit = unit if unit in who else "most"
    kind = rng.choice(["status", "progress", "due", "override", "clear_override", "batch", "receive",
                       "send_back", "reassign", "extension", "approve"])
    if kind == "status":
        allowed = t.get("allowed_transitions") or []
        if allowed:
            send(d, who, "coord", "PATCH", f"/api/v1/tasks/{task}", {"status": rng.choice(allowed), "note": "n"},
                 etag=t["etag"])
    elif kind == "progress":
        send(d, who, "coord", "PATCH", f"/api/v1/tasks/{task}", {"progress": rng.randint(0, 100)}, etag=t["etag"])
    elif kind == "due":
        due = today + datetime.timedelta(days=rng.randint(-120, 120))
        send(d, who, "coord", "PATCH", f"/api/v1/tasks/{task}", {"due_date": due.isoformat()}, etag=t["etag"])
    elif kind == "override":
        send(d, who, "coord", "PATCH", f"/api/v1/tasks/{task}",
             {"rag_override": {"rating": rng.choice(["red", "amber", "green"]), "rationale": "agreed"}},
             etag=t["etag"])
    elif kind == "clear_override":
        send(d, who, "coord", "PATCH", f"/api/v1/tasks/{task}", {"rag_override": None}, etag=t["etag"])
    elif kind == "batch":
        mine = rng.sample(task_ids(db, f"agency_code = '{unit}'"), 3)
        items = []
        for i in mine:
            x = d.get(f"/api/v1/tasks/{i}", headers=who["coord"])
            items.append({"id": i, "if_match": x.header("ETag") or x.json()["etag"], "progress": rng.randint(0, 100)})
        send(d, who, unit, "POST", "/api/v1/tasks:batch-update", {"items": items})
    elif kind == "receive":
        send(d, who, unit, "POST", f"/api/v1/tasks/{task}/receive")
    elif kind == "send_back":
        send(d, who, unit, "POST", f"/api/v1/tasks/{task}/send-back", {"reason": "不是本单位的"})
    elif kind == "reassign":
        send(d, who, "coord", "POST", f"/api/v1/tasks/{task}/reassign",
             {"agency": rng.choice(["most", "sipo", "ncac"]), "reason": "职责调整"})
    elif kind == "extension":
        send(d, who, unit, "POST", f"/api/v1/tasks/{task}/receive")
        later = today + datetime.timedelta(days=rng.randint(30, 90))
        send(d, who, unit, "POST", f"/api/v1/tasks/{task}/extensions",
             {"due_date": later.isoformat(), "reason": "跨采购周期"})
    elif kind == "approve":
        send(d, who, "coord", "POST", f"/api/v1/tasks/{task}/extensions/approve", {})
    return kind


def owner_change(db, rng, today):
    """One random change straight in the tables, as the owner: what an import,
    a correction or a later write function might do."""
    tasks = task_ids(db)
    task = rng.choice(tasks)
    kind = rng.choice(["agency", "backdate", "delete", "insert", "many", "status", "override", "extension_gone"])
    if kind == "agency":
        # A re-assignment to another agency that carries the measure (or nothing, when none does).
        ptutil.psql(db.owner_url, f"""
            UPDATE tasks t SET agency_code = ma.agency_code
            FROM measure_agencies ma
            WHERE t.id = {task} AND ma.measure_id = t.measure_id AND ma.role = t.role
              AND ma.agency_code <> t.agency_code
              AND NOT EXISTS (SELECT 1 FROM tasks u WHERE u.measure_id = t.measure_id
                              AND u.agency_code = ma.agency_code AND u.province_code = t.province_code)""",
                    check=False)
    elif kind == "backdate":
        ptutil.psql(db.owner_url, f"UPDATE tasks SET updated_at = now() - interval '{rng.randint(60, 200)} days' "
                                  f"- interval '{rng.randint(0, 86399)} seconds' WHERE id = {task}")
    elif kind == "delete":
        ptutil.psql(db.owner_url, f"DELETE FROM task_files WHERE task_id = {task}; "
                                  f"DELETE FROM work_items WHERE task_id = {task}; "
                                  f"DELETE FROM escalations WHERE task_id = {task}; "
                                  f"DELETE FROM task_event_states WHERE task_id = {task}; "
                                  f"DELETE FROM tasks WHERE id = {task}", check=False)
    elif kind == "insert":
        due = today + datetime.timedelta(days=rng.randint(-60, 200))
        ptutil.psql(db.owner_url, f"""
            INSERT INTO tasks (measure_id, agency_code, province_code, role, status, progress, due_date, updated_at)
            SELECT ma.measure_id, ma.agency_code, p.code, ma.role, 'in_progress', {rng.randint(0, 100)},
                   '{due}', now() - interval '{rng.randint(0, 150)} days'
            FROM measure_agencies ma CROSS JOIN provinces p
            WHERE NOT EXISTS (SELECT 1 FROM tasks u WHERE u.measure_id = ma.measure_id
                              AND u.agency_code = ma.agency_code AND u.province_code = p.code)
            ORDER BY random() LIMIT {rng.randint(1, 5)}""", check=False)
    elif kind == "many":
        # One statement over many tasks, as an import's re-dating does.
        ptutil.psql(db.owner_url, f"UPDATE tasks SET due_date = due_date + {rng.randint(-40, 40)}, "
                                  f"progress = (progress + 37) % 101 WHERE id % 7 = {rng.randint(0, 6)}")
    elif kind == "status":
        ptutil.psql(db.owner_url, f"UPDATE tasks SET status = '{rng.choice(['not_started', 'in_progress', 'blocked', 'completed', 'verified'])}' "
                                  f"WHERE id = {task}", check=False)
    elif kind == "override":
        rating = rng.choice(["red", "amber", "green", None])
        ptutil.psql(db.owner_url, f"UPDATE tasks SET rag_override = {lit(rating)}, rag_override_rationale = "
                                  f"{lit('x' if rating else None)} WHERE id = {task}")
    elif kind == "extension_gone":
        ptutil.psql(db.owner_url, "DELETE FROM extension_requests WHERE id = (SELECT min(id) FROM extension_requests)")
    return kind


KINDS = []


@pytest.fixture(scope="module")
def history(db, statements, filters):
    """Some history to start from: due dates spread around today, progress
    all over, some tasks not updated for months."""
    ptutil.psql(db.owner_url, """
        UPDATE tasks SET due_date = current_date + (id * 37 % 400 - 150)::int,
                         progress = id * 13 % 101,
                         updated_at = now() - (id * 11 % 180) * interval '1 day'""")
    assert_exact(db, random.Random(14), statements, filters)


# Rounds of random changes, each checked; a round a test, to keep each short.
@pytest.mark.parametrize("round_", range(5))
def test_the_aggregates_equal_a_full_recomputation_after_random_changes(d, who, db, statements, filters,
                                                                       history, round_):
    rng = random.Random(15 + round_)
    today = datetime.date.fromisoformat(ptutil.psql_value(db.owner_url, "SELECT current_date"))
    for _ in range(10):
        KINDS.append(api_change(d, who, db, rng, today))
    for _ in range(6):
        KINDS.append(owner_change(db, rng, today))
    assert_exact(db, rng, statements, filters)


def test_the_changes_covered_corrections_and_reassignments():
    assert {"reassign", "agency", "delete", "insert", "many", "backdate"} <= set(KINDS), KINDS


# The writers' parts of the sums not folded yet (migration 0032), in both
# tables, and the matrix rows writers marked for the folder.
UNFOLDED = """
SELECT (SELECT count(*) FROM dashboard_counts WHERE part <> 0) || ' '
       || (SELECT count(*) FROM dashboard_day_counts WHERE part <> 0) || ' '
       || (SELECT count(*) FROM dashboard_matrix_dirty);
"""


class FoldHeld:
    """Holds the folder's lock (dashboard_sums_fold()) in an open psql
    transaction, so that the writers' parts and their marks of matrix rows
    stay unfolded meanwhile."""

    def __init__(self, db):
        self.db = db
        self.proc = None

    def __enter__(self):
        self.proc = subprocess.Popen([ptutil.psql_path(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.db.owner_url],
                                     stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True)
        self.proc.stdin.write("BEGIN;\nSELECT pg_advisory_xact_lock(7301958417);\n")
        self.proc.stdin.flush()
        for _ in range(200):
            if ptutil.psql_value(self.db.owner_url, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                                                    "AND ((classid::bigint << 32) | objid::bigint) = 7301958417 AND objsubid = 1 AND granted") == "1":
                return self
            time.sleep(0.05)
        pytest.fail("could not take the folder's lock")

    def __exit__(self, *exc):
        self.proc.stdin.write("COMMIT;\n")
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def test_unfolded_parts_count_as_they_are(d, who, db, statements, filters, history):
    """Every reader adds the writers' parts not folded yet and rebuilds the
    matrix rows writers marked: exact with parts and marks waiting, exact
    again after the fold, which leaves none."""
    rng = random.Random(31)
    today = datetime.date.fromisoformat(ptutil.psql_value(db.owner_url, "SELECT current_date"))
    with FoldHeld(db):
        for _ in range(8):
            api_change(d, who, db, rng, today)
        for _ in range(3):
            owner_change(db, rng, today)
        ptutil.psql(db.owner_url, "UPDATE tasks SET progress = (progress + 11) % 101 WHERE id = (SELECT min(id) FROM tasks)")
        assert ptutil.psql_value(db.owner_url, "SELECT dashboard_sums_fold()") == "0"  # the lock is held
        counts, days, marks = ptutil.psql_value(db.owner_url, UNFOLDED).split()
        assert int(counts) > 0 and int(days) > 0 and int(marks) > 0, (counts, days, marks)
        assert_exact(db, rng, statements, filters)
    ptutil.psql(db.owner_url, "SELECT dashboard_sums_fold()")
    assert ptutil.psql_value(db.owner_url, UNFOLDED) == "0 0 0"
    assert_exact(db, rng, statements, filters)


def test_concurrent_writers_stay_exact_and_never_deadlock(d, who, db, statements, filters, history):
    """Writers of different tasks and of the same tasks (several at once
    through the API, and several owner sessions straight in the tables, some
    on the measures and tasks the others change) all succeed, and the sums,
    folded meanwhile by the daemon and after by hand, equal the
    recomputation."""
    today = datetime.date.fromisoformat(ptutil.psql_value(db.owner_url, "SELECT current_date"))
    pool = task_ids(db, "agency_code IN ('most', 'sipo', 'ncac')")
    rng = random.Random(32)
    shared = rng.sample(pool, 4)
    # Tasks of one measure too: their matrix row is one writer's at a time.
    measure_mates = task_ids(db, "measure_id = (SELECT measure_id FROM tasks GROUP BY 1 ORDER BY count(*) DESC LIMIT 1)")
    problems = []

    def api_writer(seed):
        r = random.Random(seed)
        for _ in range(12):
            task = r.choice(shared + measure_mates[:6] + r.sample(pool, 2))
            for _attempt in range(5):
                t = d.get(f"/api/v1/tasks/{task}", headers=who["coord"])
                if t.status != 200:
                    break
                body = r.choice([{"progress": r.randint(0, 100)},
                                 {"due_date": (today + datetime.timedelta(days=r.randint(-90, 90))).isoformat()},
                                 {"rag_override": None}])
                x = send(d, who, "coord", "PATCH", f"/api/v1/tasks/{task}", body, etag=t.json()["etag"])
                if x.status == 412:
                    continue  # another writer changed it first: read it again
                if x.status >= 500:
                    problems.append((task, x.status, x.body[:300]))
                break

    def owner_writer(seed):
        r = random.Random(seed)
        script = []
        for _ in range(15):
            task = r.choice(shared + measure_mates[:6])
            script.append(f"UPDATE tasks SET progress = {r.randint(0, 100)}, "
                          f"due_date = current_date + {r.randint(-90, 90)} WHERE id = {task};")
        cp = ptutil.psql(db.owner_url, "\n".join(script), check=False, timeout=120)
        if cp.returncode != 0:
            problems.append(("owner", cp.stderr[:300]))

    threads = [threading.Thread(target=api_writer, args=(100 + i,)) for i in range(6)]
    threads += [threading.Thread(target=owner_writer, args=(200 + i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not problems, problems
    assert_exact(db, rng, statements, filters)
    ptutil.psql(db.owner_url, "SELECT dashboard_sums_fold()")
    assert ptutil.psql_value(db.owner_url, UNFOLDED) == "0 0 0"
    assert_exact(db, rng, statements, filters)


def test_the_dashboards_answer_the_same_over_http(d, who, db, statements):
    """The daemon (its zone the aggregates' own) answers from the aggregates,
    and what it serves is the statement's text: equal to the scan's."""
    r = d.get("/api/v1/dashboard/summary", headers=who["obs"])
    assert r.status == 200, r
    body = r.json()
    slow = json.loads(answers(db, statements["dashboard_summary"][1], [(None, None, None, None)])[0]
                      .strip().rsplit("|", 1)[0])
    assert body["totals"] == slow["totals"] and body["supervision"] == slow["supervision"]
    slow = answers(db, statements["dashboard_matrix"][1], [(None, None, None, None)])[0].strip().rsplit("|", 1)[0]
    # The daemon sends the statement's JSON without its spaces, a page at a
    # time: the pages' rows, in order, are the scan's, member for member.
    path, rows, pages = "/api/v1/dashboard/matrix?limit=7", [], 0
    while path:
        r = d.get(path, headers=who["obs"])
        assert r.status == 200, r
        page = r.json()
        assert list(page) == ["provinces", "rows", "limit", "next"] and page["limit"] == 7
        assert page["provinces"] == json.loads(slow)["provinces"]
        assert len(page["rows"]) == 7 or page["next"] is None
        rows += page["rows"]
        path, pages = page["next"], pages + 1
    assert pages > 1
    assert json.dumps(rows, ensure_ascii=False) == json.dumps(json.loads(slow)["rows"], ensure_ascii=False)


def test_the_sums_do_not_answer_in_another_zone(db, statements):
    """A session counting another zone's days gets no answer from the sums
    (the daemon sends the scan then), but the same filter problems."""
    filters = [(None, None, None, None), ("nobody", None, None, None)]
    for name, (counted, scan) in statements.items():
        (ok, bad) = answers(db, counted, filters, zone="UTC")
        assert ok.strip() == "|", (name, ok[:200])
        assert bad.strip() == "|agency", (name, bad[:200])


def test_a_rebuild_changes_nothing(db):
    # Folded first: a rebuild leaves the sums folded.
    ptutil.psql(db.owner_url, "SELECT dashboard_sums_fold()")
    sums = "SELECT md5(string_agg(c::text, ',' ORDER BY c::text)) FROM dashboard_counts c"
    # The kept matrix rows, as they read today (a rebuild judges them today).
    rows = ("SELECT md5(string_agg(measure_id || ':' || CASE WHEN turns_on IS NULL OR turns_on > current_date "
            "THEN row_json ELSE (dashboard_matrix_row(measure_id, current_date)).row_json END, ',' ORDER BY measure_id)) "
            "FROM dashboard_matrix_rows")
    before = [ptutil.psql_value(db.owner_url, q) for q in (sums, rows)]
    ptutil.psql(db.owner_url, "SELECT dashboard_counts_rebuild()")
    after = [ptutil.psql_value(db.owner_url, q) for q in (sums, rows)]
    assert before == after


def test_a_change_of_many_measures_takes_one_matrix_lock(db):
    # Locks held to commit come out of one table shared by every session
    # (6,400 by default): a rebuild that locked each of its measures failed
    # with "out of shared memory" at 200,000 tasks (about 50,000 measures).
    measures = int(ptutil.psql_value(db.owner_url, "SELECT count(*) FROM dashboard_matrix_kept"))
    assert measures > int(ptutil.psql_value(db.owner_url, "SELECT dashboard_matrix_locks_max()"))
    held = ptutil.psql_value(db.owner_url, "BEGIN; SELECT dashboard_counts_rebuild(); "
                             "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                             "AND pid = pg_backend_pid(); COMMIT")
    assert int(held.split()[-1]) <= 3, held


def test_the_daemon_role_cannot_change_the_aggregates(db):
    for sql in ("UPDATE dashboard_counts SET tasks = 0", "DELETE FROM dashboard_task_parts",
                "SELECT dashboard_counts_rebuild()", "SELECT dashboard_counts_refresh(ARRAY[1::bigint])",
                "DELETE FROM dashboard_matrix_rows", "SELECT dashboard_matrix_refresh(ARRAY[1])",
                "UPDATE dashboard_zone SET zone = 'UTC'"):
        r = ptutil.psql(db.app_url, sql, check=False)
        assert r.returncode != 0 and "permission denied" in r.stderr, (sql, r.stderr)


"""Deadlines are days of the configured time zone (--time-zone, default
Asia/Shanghai: 北京时间), not of the database server's (UTC here): a report
first submitted at 23:59 Beijing time on its due date is on time and one at
00:01 the next day is late, in the compliance view and the scorecard; a day
"as of" which the dashboards stand ends at Beijing midnight; overdue, RAG and
reminders count from the zone's today. An unknown zone stops the daemon and
the CLI before they start.

The instants are set as data (the owner's psql), so the cases around a
deadline do not depend on when the suite runs. "Today" cannot be set, so
those cases run twice: in Beijing time, which differs from UTC's date only
from 00:00 to 08:00 there, and in a zone picked because its date differs from
UTC's right now, so that a daemon counting in UTC fails them whenever they
run."""

import datetime as dt
import json
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import ptutil

UTC = dt.timezone.utc


def zone_now(zone):
    return dt.datetime.now(ZoneInfo(zone))


def settle(zone):
    """Waits out the last seconds before the zone's midnight, so that the
    daemon and the test agree on what day it is."""
    now = zone_now(zone)
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), now.tzinfo)
    left = (midnight - now).total_seconds()
    if left < 15:
        time.sleep(left + 1)


def other_day_zone():
    """A zone whose date is not UTC's now and which is hours from its own
    midnight: UTC+14 from 10:00 UTC, UTC-12 before 12:00 UTC."""
    hour = dt.datetime.now(UTC).hour
    return "Pacific/Kiritimati" if hour >= 11 else "Etc/GMT+12"


@pytest.fixture(scope="module")
def db():
    # A database of its own: the compliance and scorecard arithmetic must not
    # see other tests' periods, and the overdue lists other tests' tasks.
    with ptutil.fresh_database() as db:
        ptutil.migrate(db.owner_url)
        yield db


@pytest.fixture(scope="module")
def admin(db):
    return ptutil.conninfo_with(ptutil.admin_db_url(), dbname=db.name)


@pytest.fixture(scope="module")
def d(module_daemons, db):
    # No --time-zone: the default. PGTZ, which libpq would send after the
    # connection's options, must not change it.
    daemon = module_daemons.start(database_url=db.app_url, env={"PGTZ": "UTC"})
    ptutil.wait_change_feed_live(daemon)
    return daemon


@pytest.fixture(scope="module")
def other_zone():
    return other_day_zone()


@pytest.fixture(scope="module")
def dz(module_daemons, db, other_zone):
    daemon = module_daemons.start("--time-zone", other_zone, database_url=db.app_url)
    ptutil.wait_change_feed_live(daemon)
    return daemon


@pytest.fixture(scope="module")
def who(db):
    url = db.app_url
    specs = {"coord": ("coordinator", {}), "obs": ("observer", {}),
             "ln": ("province", {"province": "CN-LN"}), "jl": ("province", {"province": "CN-JL"}),
             "nm": ("province", {"province": "CN-NM"})}
    return {name: ptutil.bearer(ptutil.issue_token(url, ptutil.make_user(url, role, **scope)))
            for name, (role, scope) in specs.items()}


def call(daemon, auth, method, path, body=None):
    headers = dict(auth)
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    r = daemon.request(method, path, headers=headers, body=data)
    assert r.status in (200, 201), r
    return r.json()


def new_period(daemon, who, code, starts_on, ends_on, due_on):
    call(daemon, who["coord"], "POST", "/api/v1/periods",
         {"code": code, "starts_on": str(starts_on), "ends_on": str(ends_on), "due_on": str(due_on)})


def file_and_submit(daemon, who, name, province, period):
    task = call(daemon, who["obs"], "GET", f"/api/v1/tasks?province={province}&limit=1")["items"][0]["id"]
    report = call(daemon, who[name], "POST", "/api/v1/reports",
                  {"period": period, "summary": "进展情况",
                   "items": [{"task": task, "status": "in_progress", "progress": 20}]})
    call(daemon, who[name], "POST", f"/api/v1/reports/{report['id']}/submit")
    return report["id"]


def test_a_report_first_submitted_at_2359_beijing_is_on_time_and_at_0001_late(d, who, admin):
    new_period(d, who, "2016-06", "2016-06-01", "2016-06-30", "2016-06-30")
    submitted = {"CN-LN": "2016-06-30 23:59+08",   # 15:59 UTC: on time
                 "CN-JL": "2016-07-01 00:01+08",   # 16:01 UTC on the due date: late
                 "CN-NM": "2016-06-30 23:59+00"}   # 07:59 the next morning in Beijing: late
    reports = {p: file_and_submit(d, who, name, p, "2016-06")
               for p, name in (("CN-LN", "ln"), ("CN-JL", "jl"), ("CN-NM", "nm"))}
    ptutil.psql(admin, "".join(f"UPDATE reports SET submitted_at = '{at}', first_submitted_at = '{at}' "
                               f"WHERE id = {reports[p]};\n" for p, at in submitted.items()))

    view = call(d, who["obs"], "GET", "/api/v1/dashboard/reporting-compliance?period=2016-06")
    (period,) = view["periods"]
    standing = {x["province"]["code"]: x for x in period["provinces"]}
    assert {p: (x["on_time"], x["days_late"]) for p, x in standing.items() if x["filed"]} == {
        "CN-LN": (True, 0), "CN-JL": (False, 1), "CN-NM": (False, 1)}
    assert standing["CN-HL"]["filed"] is False
    assert period["reporting_rate"] == 0.75 and period["on_time_rate"] == 0.25
    # Timestamps come in the zone's offset: the instant, read as Beijing time.
    assert standing["CN-LN"]["first_submitted_at"] == "2016-06-30T23:59:00+08:00"
    assert standing["CN-NM"]["first_submitted_at"] == "2016-07-01T07:59:00+08:00"

    card = call(d, who["obs"], "GET", "/api/v1/scorecards?period=2016-06")
    timeliness = {p["province"]["code"]: p["components"]["report_timeliness"] for p in card["provinces"]}
    assert timeliness == {"CN-NM": 0, "CN-LN": 100, "CN-JL": 0, "CN-HL": 0}


def test_a_day_as_of_which_the_dashboards_stand_ends_at_beijing_midnight(d, who, admin):
    a, b = [int(x) for x in ptutil.psql_value(
        admin, "SELECT string_agg(id::text, ' ' ORDER BY id) FROM "
               "(SELECT id FROM tasks WHERE province_code = 'CN-HL' ORDER BY id LIMIT 2) t").split()]
    sql = ["UPDATE tasks SET created_at = '2026-01-01 00:00+08';",
           "ALTER TABLE events DISABLE TRIGGER events_chain;"]
    for task, at in ((a, "2026-03-31 23:59+08"), (b, "2026-04-01 00:01+08")):
        sql.append(f"INSERT INTO events (id, at, subject_type, subject_id, kind, changes, prev_hash, hash) "
                   f"VALUES (nextval('events_id_seq'), '{at}', 'task', {task}, 'task.status_changed', "
                   f"'{{\"status\": {{\"from\": \"not_started\", \"to\": \"in_progress\"}}}}', "
                   f"repeat('0', 64), repeat('0', 64));")
    sql.append("ALTER TABLE events ENABLE TRIGGER events_chain;")
    sql.append(f"UPDATE tasks SET status = 'in_progress' WHERE id IN ({a}, {b});")
    ptutil.psql(admin, "\n".join(sql) + "\n")

    march = call(d, who["obs"], "GET", "/api/v1/dashboard/summary?as_of=2026-03-31&province=CN-HL")
    april = call(d, who["obs"], "GET", "/api/v1/dashboard/summary?as_of=2026-04-01&province=CN-HL")
    assert (march["totals"]["in_progress"], april["totals"]["in_progress"]) == (1, 2)
    assert march["last_change_at"] == "2026-03-31T23:59:00+08:00"
    trend = call(d, who["obs"], "GET",
                 "/api/v1/dashboard/trend?from=2026-03-01&to=2026-04-30&interval=month&province=CN-HL")
    assert [(r["day"], r["in_progress"]) for r in trend["rows"]] == [("2026-03-31", 1), ("2026-04-30", 2)]


def tasks_of(admin, province, n):
    rows = ptutil.psql_value(admin, f"SELECT id || ' ' || agency_code FROM tasks WHERE province_code = "
                                    f"'{province}' ORDER BY id LIMIT {n}").splitlines()
    return [(int(r.split()[0]), r.split()[1]) for r in rows]


@pytest.mark.parametrize("which,province", [("beijing", "CN-LN"), ("other", "CN-JL")])
def test_overdue_rag_and_reminders_count_from_the_zones_today(request, which, province, other_zone, who,
                                                                admin):
    daemon, zone = (request.getfixturevalue("d"), "Asia/Shanghai") if which == "beijing" \
        else (request.getfixturevalue("dz"), other_zone)
    settle(zone)
    tz = ZoneInfo(zone)
    today = zone_now(zone).date()
    day = dt.timedelta(days=1)
    (late, agency), (due, _), (fresh, _), (stale, _) = tasks_of(admin, province, 4)
    # Not updated for 90 days is amber: since the zone's midnight 90 days ago.
    cutoff = dt.datetime.combine(today - 90 * day, dt.time(), tz)
    ptutil.psql(admin, f"""
        UPDATE tasks SET status = 'in_progress', progress = 60, updated_at = now(), due_date = '{today - day}'
        WHERE id = {late};
        UPDATE tasks SET status = 'in_progress', progress = 60, updated_at = now(), due_date = '{today}'
        WHERE id = {due};
        UPDATE tasks SET status = 'in_progress', progress = 60, due_date = NULL,
                         updated_at = '{(cutoff + dt.timedelta(minutes=1)).isoformat()}'
        WHERE id = {fresh};
        UPDATE tasks SET status = 'in_progress', progress = 60, due_date = NULL,
                         updated_at = '{(cutoff - dt.timedelta(minutes=1)).isoformat()}'
        WHERE id = {stale};
        """)
    seen = {t: call(daemon, who["obs"], "GET", f"/api/v1/tasks/{t}") for t in (late, due, fresh, stale)}
    assert {t: (x["overdue"], x["rag"]["derived"]) for t, x in seen.items()} == {
        late: (True, "red"), due: (False, "green"), fresh: (False, "green"), stale: (False, "amber")}

    rows = call(daemon, who["obs"], "GET", f"/api/v1/dashboard/overdue?province={province}")["rows"]
    assert [(r["task"], r["days_overdue"]) for r in rows] == [(late, 1)]

    # A period due today (a month's for Beijing, a year's for the other zone: codes of their own).
    code = f"{today.year}-{today.month:02d}" if which == "beijing" else f"{today.year}"
    new_period(daemon, who, code, dt.date(today.year, today.month if which == "beijing" else 1, 1), today,
               today)
    reminders = call(daemon, who["obs"], "GET", "/api/v1/reminders?days=0")
    assert reminders["today"] == str(today)
    mine = [(r["province"], r["days_left"], r["level"]) for r in reminders["reports"] if r["period"] == code]
    assert mine == [(p, 0, "due_soon") for p in ("CN-NM", "CN-LN", "CN-JL", "CN-HL")]
    urged = {t for r in reminders["overdue_tasks"] for t in r["tasks"]}
    assert late in urged and due not in urged
    # The zone is named, for the console to say 北京时间.
    assert call(daemon, who["obs"], "GET", "/api/v1/me")["time_zone"] == zone


def test_timestamps_in_answers_carry_the_zones_offset(d, dz, other_zone, who):
    expires = call(d, who["obs"], "GET", "/api/v1/me")["token"]["expires_at"]
    assert expires.endswith("+08:00"), expires
    offset = zone_now(other_zone).strftime("%z")
    expires = call(dz, who["obs"], "GET", "/api/v1/me")["token"]["expires_at"]
    assert expires.endswith(f"{offset[:3]}:{offset[3:]}"), expires


@pytest.mark.parametrize("args,env,names", [
    (["--time-zone", "Asia/Beijing"], {}, "--time-zone (flag): 'Asia/Beijing'"),
    (["--time-zone=asia/shanghai"], {}, "'asia/shanghai'"),
    ([], {"POLICYTRACK_TIME_ZONE": "Mars/Olympus"}, "(POLICYTRACK_TIME_ZONE): 'Mars/Olympus'"),
])
def test_an_unknown_zone_stops_the_daemon_before_it_starts(db, args, env, names):
    cp = ptutil.run_daemon_once(["--listen", "127.0.0.1:0", "--database-url", db.app_url, *args], env=env)
    assert cp.returncode == 2, cp
    assert names in cp.stderr and "is not a time zone" in cp.stderr, cp.stderr


def test_an_unknown_zone_stops_the_cli(db, tmp_path):
    for zone in ("Mars/Olympus", "Asia/Shanghai;"):
        cp = ptutil.run_cli(["migrate", "--status", "--database-url", db.owner_url],
                            env={"POLICYTRACK_TIME_ZONE": zone})
        assert cp.returncode == 2 and f"POLICYTRACK_TIME_ZONE: '{zone}' is not a time zone" in cp.stderr, cp
    # One the CLI's zone files know and the server's do not: the server says no.
    (tmp_path / "Nowhere").mkdir()
    (tmp_path / "Nowhere" / "Land").write_bytes(Path("/usr/share/zoneinfo/Asia/Shanghai").read_bytes())
    cp = ptutil.run_cli(["migrate", "--status", "--database-url", db.owner_url],
                        env={"POLICYTRACK_TIME_ZONE": "Nowhere/Land", "TZDIR": str(tmp_path)})
    assert cp.returncode == 1 and "the database refuses 'Nowhere/Land'" in cp.stderr, cp
    ok = ptutil.run_cli(["migrate", "--status", "--database-url", db.owner_url],
                        env={"POLICYTRACK_TIME_ZONE": "UTC"})
    assert ok.returncode == 0, ok


def test_a_zone_the_server_does_not_know_keeps_the_daemon_unready_and_says_why(daemons, db, tmp_path):
    # A zone database of the daemon's own with one more zone than the server's:
    # the local check passes, and the server refuses every connection.
    for name, source in (("Asia/Shanghai", "Asia/Shanghai"), ("Nowhere/Land", "Asia/Shanghai")):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes((Path("/usr/share/zoneinfo") / source).read_bytes())
    daemon = daemons.start("--time-zone", "Nowhere/Land", database_url=db.app_url,
                           env={"TZDIR": str(tmp_path)})
    rec = daemon.wait_for_log(lambda r: r.get("msg") == "database connect failed", timeout=5)
    assert rec and 'invalid value for parameter "TimeZone": "Nowhere/Land"' in rec["detail"], rec
    ptutil.assert_problem(daemon.get("/readyz"), 503)

"""Which period the summary's reports are of (docs/dashboards.md): the open
period whose dates hold today in the configured time zone, the shortest when
several do; else the open one that started last; else the open one that
starts first; a closed period never (issue 21, item 8)."""

import calendar
import datetime as dt
import json
import zoneinfo

import ptutil


def test_the_current_period(fresh_db, daemons):
    ptutil.migrate(fresh_db.owner_url)
    d = daemons.start(database_url=fresh_db.app_url)
    coord = ptutil.bearer(ptutil.issue_token(fresh_db.owner_url, ptutil.make_user(fresh_db.owner_url, "coordinator")))
    today = dt.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")).date()
    y, m = today.year, today.month

    def post(path, body=None):
        r = d.request("POST", path, headers={**coord, "Content-Type": "application/json"},
                      body=json.dumps(body or {}).encode())
        assert r.status in (200, 201), r
        return r

    def period(code, first, last):
        post("/api/v1/periods", {"code": code, "starts_on": str(first), "ends_on": str(last),
                                 "due_on": str(last + dt.timedelta(days=15))})

    def current():
        r = d.get("/api/v1/dashboard/summary", headers=coord)
        assert r.status == 200, r
        return r.json()["reports"]["period"]

    assert current() is None
    month = f"{y}-{m:02d}"
    period(month, dt.date(y, m, 1), dt.date(y, m, calendar.monthrange(y, m)[1]))
    post(f"/api/v1/periods/{month}/close")
    period(str(y), dt.date(y, 1, 1), dt.date(y, 12, 31))
    period(str(y + 1), dt.date(y + 1, 1, 1), dt.date(y + 1, 12, 31))
    # The month started last and holds today, but it is closed; next year is
    # open but has not started: this year is current.
    assert current() == str(y)
    q = (m - 1) // 3 + 1
    quarter = f"{y}-Q{q}"
    period(quarter, dt.date(y, 3 * q - 2, 1), dt.date(y, 3 * q, calendar.monthrange(y, 3 * q)[1]))
    assert current() == quarter, "the shortest open period holding today"
    post(f"/api/v1/periods/{quarter}/close")
    post(f"/api/v1/periods/{y}/close")
    assert current() == str(y + 1), "none open holds today: the open one that starts first"
    post(f"/api/v1/periods/{y + 1}/close")
    assert current() is None

"""Dashboards as of a day, asked again and again on one pool connection.

PostgreSQL runs a prepared statement with custom plans five times, then
with its generic plan when that looks no dearer. While tasks_as_of() was
inlined, the scan's generic plan as of a day rebuilt every task once per
task (a nested loop, its row estimate being 1): from the sixth as_of
request on a connection the matrix and the overdue list ran past the
statement timeout (503), already at the catalogue's 742 tasks. It is STRICT
now, never inlined: one rebuild per statement (docs/dashboards.md).

One daemon with one connection and no answer cache gets 8 requests of every
dashboard that takes as_of (the sums and the scans alike); each must answer
200, and the same bytes as a daemon sending every statement unnamed
(--statement-mode unnamed: planned for its values each time). No timing is
asserted: the failure is the 503 of the statement timeout."""

import datetime

import pytest

import ptutil

REQUESTS = 8


@pytest.fixture(scope="module")
def db():
    with ptutil.fresh_database() as fresh:
        # The catalogue's 742 tasks and their events: enough for that plan
        # to take seconds (bench/gen-data's statistics happen to keep it off).
        ptutil.migrate(fresh.owner_url)
        yield fresh


@pytest.fixture(scope="module")
def obs(db):
    return ptutil.bearer(ptutil.issue_token(db.app_url, ptutil.make_user(db.app_url, "observer")))


@pytest.fixture(scope="module")
def one(module_daemons, db):
    return module_daemons.start("--pool-size", "1", "--dashboard-cache", "0", database_url=db.app_url)


@pytest.fixture(scope="module")
def as_written(module_daemons, db):
    return module_daemons.start("--pool-size", "1", "--dashboard-cache", "0", "--statement-mode", "unnamed",
                                database_url=db.app_url)


def days():
    """Tomorrow (every task as it is) and days back, one per request."""
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    return [tomorrow - datetime.timedelta(days=30 * n) for n in range(REQUESTS)]


@pytest.mark.parametrize("path", [
    "/api/v1/dashboard/summary",
    "/api/v1/dashboard/by-agency",
    "/api/v1/dashboard/by-province",
    "/api/v1/dashboard/by-section",
    "/api/v1/dashboard/by-document",
    "/api/v1/dashboard/matrix",
    "/api/v1/dashboard/matrix?agency=ndrc",
    "/api/v1/dashboard/matrix?format=csv",
    "/api/v1/dashboard/overdue",
    "/api/v1/dashboard/overdue?province=CN-LN",
    "/api/v1/dashboard/overdue-work-items",
    "/api/v1/dashboard/escalations",
])
def test_every_request_as_of_a_day_answers_on_one_connection(one, as_written, obs, path):
    sep = "&" if "?" in path else "?"
    for n, day in enumerate(days(), 1):
        url = f"{path}{sep}as_of={day}"
        r = one.get(url, headers=obs, timeout=15.0)
        assert r.status == 200, (n, url, r.body[:300])
        ref = as_written.get(url, headers=obs, timeout=15.0)
        assert ref.status == 200, (n, url, ref.body[:300])
        assert r.body == ref.body, (n, url)


def test_the_scans_as_of_a_day_answer_too(module_daemons, db, obs):
    """The scans the sums stand in for (a session in another zone than the
    sums' answers by scanning: docs/dashboards.md), as of a day, 8 times."""
    d = module_daemons.start("--pool-size", "1", "--dashboard-cache", "0", "--time-zone", "UTC",
                             database_url=db.app_url)
    for path in ("summary", "by-agency", "by-province", "by-section", "by-document"):
        for n, day in enumerate(days(), 1):
            r = d.get(f"/api/v1/dashboard/{path}?as_of={day}", headers=obs, timeout=15.0)
            assert r.status == 200, (n, path, day, r.body[:300])

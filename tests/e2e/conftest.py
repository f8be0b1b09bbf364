"""Fixtures for the end-to-end tests of policytrackd and the policytrack CLI.

Run through scripts/test, which exports POLICYTRACK_BUILD_DIR, the
POLICYTRACK_TEST_*_URL conninfo strings, POLICYTRACK_ROOT, PGBIN and PROMTOOL;
or by hand: /usr/bin/python3 -m pytest tests/e2e with those exported.

Every daemon a test starts is stopped at the end (SIGTERM, then SIGKILL), and
the test fails if the daemon did not exit 0 or printed a sanitizer report.
"""

import signal

import pytest

import ptutil

# Hard cap per test (setup, call and teardown of function fixtures), so that a
# bug in the daemon cannot hang the suite even where a socket wait is missed.
TEST_DEADLINE_S = 75


class TestDeadline(Exception):
    pass


@pytest.fixture(autouse=True)
def _deadline():
    def on_alarm(signum, frame):
        raise TestDeadline(f"test exceeded {TEST_DEADLINE_S}s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(TEST_DEADLINE_S)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def _show_logs_if_failed(request, ds):
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        for d in ds.daemons:
            print(f"--- {' '.join(d.args)} (pid {d.pid}) stderr:\n{ptutil.tail(d.stderr_text(), 60)}")


@pytest.fixture
def daemons(request):
    """Starts daemons for one test: daemons.start(*flags, database_url=..., env=...)."""
    ds = ptutil.DaemonSet()
    try:
        yield ds
    finally:
        _show_logs_if_failed(request, ds)
        problems = ds.finish()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture(scope="module")
def module_daemons():
    """Like daemons, shared by the tests of one module."""
    ds = ptutil.DaemonSet()
    try:
        yield ds
    finally:
        problems = ds.finish()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture(scope="session")
def migrated_db():
    """The shared test database, migrated to the latest schema (a no-op when
    scripts/test already did it). Returns its app-role conninfo."""
    ptutil.migrate(ptutil.migrate_db_url())
    return ptutil.app_db_url()


@pytest.fixture(scope="module")
def migrated_template():
    """One migrated database of a module's own, for its tests to copy
    (ptutil.fresh_database(template=...): a copy takes a fraction of a
    migration); yields its name."""
    with ptutil.fresh_database() as db:
        ptutil.migrate(db.owner_url)
        yield db.name


@pytest.fixture(scope="module")
def generated_db():
    """A module's own migrated database with gen-data's 1,500 synthetic
    tasks and 3,000 events: enough of every filter's values to compare lists."""
    with ptutil.fresh_database() as fresh:
        ptutil.migrate(fresh.owner_url)
        ptutil.gen_data(fresh.owner_url, 1500, 3000)
        yield fresh


@pytest.fixture
def fresh_db():
    with ptutil.fresh_database() as db:
        yield db


@pytest.fixture(scope="session")
def observer_auth(migrated_db):
    """Authorization headers of an observer: reads everything, changes nothing."""
    user = ptutil.make_user(migrated_db, "observer")
    return ptutil.bearer(ptutil.issue_token(migrated_db, user))

"""Dashboards and token identities are answered from memory, and nothing a
client could notice goes stale: the daemon's own writes drop the caches before
their answer leaves, other writers' changes arrive through LISTEN/NOTIFY, and
while the change feed (or, for the dashboards, the sequencer that sends
their notifications) is down the caches are bypassed."""

import json
import threading
import time

import pytest

import ptutil

SUMMARY = "/api/v1/dashboard/summary?province=CN-JL"


@pytest.fixture(scope="module")
def who(migrated_db):
    out = {}
    for name, role in (("obs", "observer"), ("coord", "coordinator")):
        out[name] = ptutil.bearer(ptutil.issue_token(migrated_db, ptutil.make_user(migrated_db, role)))
    return out


def live(daemons, migrated_db, *args):
    d = daemons.start(*args, database_url=migrated_db)
    ptutil.wait_change_feed_live(d)
    return d


def cache_status(r):
    return r.header("Cache-Status")


def read(d, who, path=SUMMARY):
    r = d.get(path, headers=who["obs"])
    assert r.status == 200, r
    return r


def sign_in(d, username):
    r = d.request("POST", "/api/v1/sessions", headers={"Content-Type": "application/json"},
                  body=json.dumps({"username": username, "password": ptutil.PASSWORD}).encode())
    assert r.status == 201, r
    return ptutil.bearer(r.json()["token"])


def a_task(d, who, agency):
    return d.get(f"/api/v1/tasks?agency={agency}&status=not_started&limit=1",
                 headers=who["obs"]).json()["items"][0]


def start_task(d, who, task):
    r = d.request("PATCH", f"/api/v1/tasks/{task['id']}",
                  headers={**who["coord"], "Content-Type": "application/json", "If-Match": task["etag"]},
                  body=b'{"status": "in_progress"}')
    assert r.status == 200, r


def test_a_repeated_dashboard_is_answered_from_memory(daemons, migrated_db, who):
    d = live(daemons, migrated_db)
    first, second = read(d, who), read(d, who)
    assert cache_status(first) == "policytrackd; fwd=miss"
    assert cache_status(second) == "policytrackd; hit"
    assert first.body == second.body
    # The format is part of the key: CSV is computed once, then kept too.
    csv1, csv2 = read(d, who, SUMMARY + "&format=csv"), read(d, who, SUMMARY + "&format=csv")
    assert (cache_status(csv1), cache_status(csv2)) == ("policytrackd; fwd=miss", "policytrackd; hit")
    assert csv2.header("Content-Type").startswith("text/csv") and csv1.body == csv2.body
    assert ptutil.metric_value(d, "policytrack_cache_lookups_total", cache="dashboards",
                               result="hit") >= 2
    # The token was looked up once and then known.
    assert ptutil.metric_value(d, "policytrack_cache_lookups_total", cache="tokens",
                               result="hit") >= 3


def test_the_writer_reads_its_write_at_once(daemons, migrated_db, who):
    d = live(daemons, migrated_db)
    path = "/api/v1/dashboard/by-agency?agency=moc"
    read(d, who, path)
    before = read(d, who, path)
    assert cache_status(before) == "policytrackd; hit"
    start_task(d, who, a_task(d, who, "moc"))
    after = read(d, who, path)
    assert cache_status(after) == "policytrackd; fwd=miss"
    assert after.json()["rows"][0]["in_progress"] == before.json()["rows"][0]["in_progress"] + 1


def test_a_write_through_another_instance_reaches_the_cache(daemons, migrated_db, who):
    writer, reader = live(daemons, migrated_db), live(daemons, migrated_db)
    path = "/api/v1/dashboard/by-agency?agency=saic"
    read(reader, who, path)
    before = read(reader, who, path)
    assert cache_status(before) == "policytrackd; hit"
    start_task(writer, who, a_task(writer, who, "saic"))
    want = before.json()["rows"][0]["in_progress"] + 1
    # The notification is in flight for well under a millisecond; allow a scheduler's hiccup.
    ptutil.wait_for(lambda: read(reader, who, path).json()["rows"][0]["in_progress"] == want,
                    timeout=2.0, what="the other instance's write showing")
    assert ptutil.metric_value(reader, "policytrack_change_notifications_total") >= 1


def test_a_change_made_outside_any_daemon_is_noticed(daemons, migrated_db, who):
    d = live(daemons, migrated_db)
    path = "/api/v1/dashboard/by-agency?agency=gacc"
    read(d, who, path)
    assert cache_status(read(d, who, path)) == "policytrackd; hit"
    owner = ptutil.migrate_db_url()
    ptutil.psql(owner, "UPDATE agencies SET name_en = name_en || ' [renamed]' WHERE code = 'gacc'")
    try:
        ptutil.wait_for(lambda: read(d, who, path).json()["rows"][0]["name_en"].endswith(" [renamed]"),
                        timeout=2.0, what="a change made with psql showing")
    finally:
        ptutil.psql(owner, "UPDATE agencies SET name_en = replace(name_en, ' [renamed]', '') "
                           "WHERE code = 'gacc'")
    ptutil.wait_for(lambda: not read(d, who, path).json()["rows"][0]["name_en"].endswith(" [renamed]"),
                    timeout=2.0, what="the rename's undoing showing")


def test_a_token_signed_out_through_one_instance_is_refused_by_the_other(daemons, migrated_db):
    first, second = live(daemons, migrated_db), live(daemons, migrated_db)
    username = ptutil.make_user(migrated_db, "observer")
    token = sign_in(first, username)
    for _ in range(2):
        assert second.get("/api/v1/me", headers=token).status == 200
    hits = ptutil.metric_value(second, "policytrack_cache_lookups_total", cache="tokens", result="hit")
    assert hits >= 1
    assert first.get("/api/v1/me", headers=token).status == 200
    assert first.request("DELETE", "/api/v1/sessions/current", headers=token).status == 204
    # The instance that revoked it knows at once; the other as soon as PostgreSQL tells it.
    assert first.get("/api/v1/me", headers=token).status == 401
    ptutil.wait_for(lambda: second.get("/api/v1/me", headers=token).status == 401,
                    timeout=2.0, what="the sign-out reaching the other instance")


def test_a_user_disabled_from_the_cli_is_refused_at_once(daemons, migrated_db):
    d = live(daemons, migrated_db)
    username = ptutil.make_user(migrated_db, "observer")
    token = ptutil.bearer(ptutil.issue_token(migrated_db, username))
    for _ in range(2):
        assert d.get("/api/v1/me", headers=token).status == 200
    ptutil.run_cli(["user", "disable", username, "--database-url", migrated_db], expect_rc=0)
    ptutil.wait_for(lambda: d.get("/api/v1/me", headers=token).status == 401,
                    timeout=2.0, what="the disabled user being refused")


def test_while_the_change_feed_is_lost_the_caches_are_bypassed(daemons, migrated_db, who):
    d = live(daemons, migrated_db, "--reconnect-max-ms", "300")
    read(d, who)
    assert cache_status(read(d, who)) == "policytrackd; hit"
    # The feed connects as the daemon's role, which may end its own sessions.
    ended = ptutil.psql_value(migrated_db, "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) "
                                           "FROM pg_stat_activity "
                                           "WHERE application_name = 'policytrackd-changes'")
    assert int(ended) >= 1
    # Either the loss is seen before the read (bypass) or the feed is already back (a fresh miss):
    # never the answer kept from before the loss.
    ptutil.wait_for(lambda: ptutil.metric_value(d, "policytrack_change_feed_reconnects_total") >= 1,
                    timeout=5.0, what="the change feed coming back")
    ptutil.wait_change_feed_live(d)
    after = read(d, who)
    assert cache_status(after) == "policytrackd; fwd=miss"
    assert ptutil.metric_value(d, "policytrack_cache_invalidations_total", cache="dashboards") >= 1


def test_while_the_sequencer_fails_the_dashboards_are_bypassed(daemons, migrated_db, who):
    # Its calls send the 'data' notifications (migration 0033): while they
    # fail, other writers' changes may go unheard, so nothing is kept.
    d = live(daemons, migrated_db)
    read(d, who)
    assert cache_status(read(d, who)) == "policytrackd; hit"
    owner, app = ptutil.migrate_db_url(), ptutil.conninfo_get(migrated_db, "user") or "policytrack_app"
    ptutil.psql(owner, f'REVOKE EXECUTE ON FUNCTION events_seal(integer) FROM "{app}"')
    try:
        ptutil.wait_for(lambda: cache_status(read(d, who)) == "policytrackd; fwd=bypass",
                        timeout=5.0, what="the dashboards bypassed")
        assert ptutil.metric_value(d, "policytrack_audit_seal_failures_total") >= 1
    finally:
        ptutil.psql(owner, f'GRANT EXECUTE ON FUNCTION events_seal(integer) TO "{app}"')
    ptutil.wait_for(lambda: cache_status(read(d, who)) != "policytrackd; fwd=bypass",
                    timeout=5.0, what="the dashboards kept again")
    assert cache_status(read(d, who)) == "policytrackd; hit"


def test_caching_can_be_turned_off(daemons, migrated_db, who):
    d = daemons.start("--cache-max-age-ms", "0", database_url=migrated_db)
    assert ptutil.metric_value(d, "policytrack_change_feed_live") == -1
    for _ in range(2):
        assert cache_status(read(d, who)) == "policytrackd; fwd=bypass"
    assert ptutil.metric_value(d, "policytrack_cache_lookups_total", cache="dashboards",
                               result="hit") == 0


def test_dashboard_answers_alone_can_be_turned_off(daemons, migrated_db, who):
    """--dashboard-cache 0 computes every dashboard but still keeps the
    identities (and the change feed that keeps them true): a dashboard's own
    cost, without a token lookup per request."""
    d = live(daemons, migrated_db, "--dashboard-cache", "0")
    for _ in range(3):
        assert cache_status(read(d, who)) == "policytrackd; fwd=bypass"
    assert ptutil.metric_value(d, "policytrack_cache_lookups_total", cache="dashboards",
                               result="hit") == 0
    assert ptutil.metric_value(d, "policytrack_cache_lookups_total", cache="tokens", result="hit") >= 2
    # And the identities still follow a sign-out at once.
    user = ptutil.make_user(migrated_db, "observer")
    token = sign_in(d, user)
    assert read(d, {"obs": token}).status == 200
    assert d.request("DELETE", "/api/v1/sessions/current", headers=token).status == 204
    assert d.get(SUMMARY, headers=token).status == 401


def test_entries_expire_after_the_maximum_age(daemons, migrated_db, who):
    d = live(daemons, migrated_db, "--cache-max-age-ms", "300")
    read(d, who)
    assert cache_status(read(d, who)) == "policytrackd; hit"
    ptutil.wait_for(lambda: cache_status(read(d, who)) == "policytrackd; fwd=miss", timeout=2.0,
                    what="the entry expiring")


def test_identical_requests_wait_for_one_computation(daemons, migrated_db, who):
    d = live(daemons, migrated_db)
    path = "/api/v1/dashboard/by-province?agency=miit"
    results = []
    # The dashboard reads the sums, not the tasks (docs/dashboards.md): holding
    # them holds its statement.
    with ptutil.LockHolder(ptutil.migrate_db_url(), table="dashboard_counts") as lock:
        threads = [threading.Thread(target=lambda: results.append(d.get(path, headers=who["obs"], timeout=20)))
                   for _ in range(8)]
        for t in threads:
            t.start()
        assert lock.wait_for_waiter(), "the first request's statement never reached the lock"
        time.sleep(0.3)  # the others arrive meanwhile; late ones join the flight just the same
        waiting = ptutil.psql_value(migrated_db, "SELECT count(*) FROM pg_locks l JOIN pg_class c "
                                                 "ON c.oid = l.relation WHERE c.relname = 'dashboard_counts' "
                                                 "AND NOT l.granted")
        assert waiting == "1", f"{waiting} dashboard statements were sent for one answer"
        lock.release()
        for t in threads:
            t.join(timeout=20)
    assert len(results) == 8 and all(r.status == 200 for r in results), results
    assert len({r.body for r in results}) == 1
    statuses = [cache_status(r) for r in results]
    assert statuses.count("policytrackd; fwd=miss") == 1, statuses
    assert set(statuses) <= {"policytrackd; fwd=miss", "policytrackd; fwd=miss; collapsed",
                             "policytrackd; hit"}, statuses


def test_refused_writes_do_not_empty_the_caches(daemons, migrated_db, who):
    d = live(daemons, migrated_db)
    read(d, who)
    assert cache_status(read(d, who)) == "policytrackd; hit"
    before = ptutil.metric_value(d, "policytrack_cache_invalidations_total", cache="dashboards")
    # Anyone can send these; they change nothing, so they must not cost everyone a recomputation.
    assert d.request("DELETE", "/api/v1/sessions/current").status == 401
    assert d.request("PATCH", "/api/v1/tasks/1", headers={**who["obs"], "Content-Type": "application/json",
                                                          "If-Match": '"1"'}, body=b"{}").status == 403
    assert cache_status(read(d, who)) == "policytrackd; hit"
    assert ptutil.metric_value(d, "policytrack_cache_invalidations_total", cache="dashboards") == before

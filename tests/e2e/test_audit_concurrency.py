"""Writes that do not serialise on one lock (issue 15, item 3; migration 0031).

Each event is chained to its subject's previous event under that subject's
lock alone, and sealed into one global order after commit. So a write to one
subject does not wait for an open transaction that wrote another (proved
with a statement_timeout, not with timings), a write to the same subject
does, and the change feed, which reads in seal order, gives every event once
even when a smaller id commits after a larger one was already read.

The open transactions here write work items' events: a task's event also
updates the dashboards' sums (migration 0030), whose trigger takes one lock
to its commit (docs/dashboards.md, "The cost moves to writes"), so two
tasks' writers still meet there, on the sums, not on the audit chain."""

import subprocess
import time

import pytest

import ptutil

FILE = "SELECT outcome FROM task_file_attach({task}, (SELECT min(id) FROM users), 'coordinator', NULL, NULL, '{name}', 'text/plain', convert_to('{name}', 'UTF8'));"
EVENT = ("INSERT INTO events (subject_type, subject_id, kind, note) "
         "VALUES ('task', {task}, 'task.noted', '{note}') RETURNING id;")
ITEM_EVENT = ("INSERT INTO events (subject_type, subject_id, kind, note) "
              "VALUES ('work_item', {item}, 'work_item.noted', '{note}') RETURNING id;")


@pytest.fixture
def db(migrated_template):
    with ptutil.fresh_database(template=migrated_template) as db:
        ptutil.make_user(db.app_url, "coordinator")  # the files' uploader
        db.tasks = [int(x) for x in ptutil.psql_value(
            db.owner_url, "SELECT string_agg(id::text, ' ' ORDER BY id) FROM "
                          "(SELECT id FROM tasks ORDER BY id LIMIT 3) x").split()]
        yield db


class Open:
    """A psql session that runs sql inside a transaction and keeps it open
    until release(): it waits for a sequence (whose value no transaction
    hides) to be moved, then commits."""

    def __init__(self, url, sql):
        ptutil.psql(url, "CREATE SEQUENCE IF NOT EXISTS release_gate;\n"
                         "SELECT setval('release_gate', 1, false);\n")
        script = (f"BEGIN;\n{sql}\n\\echo holding\n"
                  "DO $$ BEGIN\n"
                  "    FOR i IN 1..1500 LOOP\n"
                  "        EXIT WHEN (SELECT last_value FROM release_gate) > 1;\n"
                  "        PERFORM pg_sleep(0.02);\n"
                  "    END LOOP;\n"
                  "END $$;\n"
                  "COMMIT;\n")
        self.url = url
        self.proc = subprocess.Popen([ptutil.psql_path(), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                                      "-d", url, "-f", "-"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        self.proc.stdin.write(script)
        self.proc.stdin.close()
        self.out = []
        for line in self.proc.stdout:
            if line.strip() == "holding":
                break
            self.out.append(line.strip())
        assert self.proc.poll() is None, self.proc.stderr.read()

    def release(self):
        """The transaction commits."""
        ptutil.psql(self.url, "SELECT setval('release_gate', 2);\n")
        assert self.proc.wait(timeout=40) == 0, self.proc.stderr.read()


def quick(url, sql):
    """sql in a session that gives up after 2 s of waiting for a lock."""
    return ptutil.psql(url, "SET lock_timeout = '2s';\nSET statement_timeout = '5s';\n" + sql + "\n", check=False)


def test_writes_to_other_subjects_do_not_wait_for_an_open_one(db):
    _, b, c = db.tasks
    # A transaction that wrote work item 1's event and stays open.
    held = Open(db.owner_url, ITEM_EVENT.format(item=1, note="held"))
    try:
        assert len(held.out) == 1 and held.out[0].isdigit(), held.out
        # Work item 2's event, task b's write (through a write function) and a
        # bare event of task c go through without waiting.
        other = quick(db.owner_url, ITEM_EVENT.format(item=2, note="other"))
        assert other.returncode == 0, other.stderr
        write = quick(db.owner_url, FILE.format(task=b, name="b.txt"))
        assert write.returncode == 0 and write.stdout.split() == ["ok"], write.stderr
        bare = quick(db.owner_url, EVENT.format(task=c, note="c"))
        assert bare.returncode == 0, bare.stderr
        # Work item 1's own chain is held: a second event of it waits, and gives up.
        same = quick(db.owner_url, ITEM_EVENT.format(item=1, note="again"))
        assert same.returncode != 0 and "lock timeout" in same.stderr, (same.stdout, same.stderr)
    finally:
        held.release()
    ok = ptutil.run_cli(["audit", "verify", "--database-url", db.app_url], expect_rc=0)
    assert "intact" in ok.stdout, ok.stdout


def test_a_writer_alone_takes_no_lock_per_subject(db):
    # Locks held to commit share one table of 6,400 by default: an exclusive
    # writer of thousands of subjects must not take one each.
    events = "".join(ITEM_EVENT.format(item=i, note="n") for i in range(1, 201))
    count = ("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
             "AND pid = pg_backend_pid();")
    alone = ptutil.psql_value(db.owner_url, "BEGIN;\nSELECT audit_write_lock(true);\n"
                              + events + count + "COMMIT;")
    assert int(alone.split()[-1]) <= 2, alone
    shared = ptutil.psql_value(db.owner_url, "BEGIN;\n" + events + count + "COMMIT;")
    assert int(shared.split()[-1]) > 200, shared  # each subject's own, and the writers' lock shared


def test_a_smaller_id_committed_later_is_sealed_after_and_fed_once(db, daemons, tmp_path):
    user = ptutil.make_user(db.app_url, "observer")
    headers = ptutil.bearer(ptutil.issue_token(db.app_url, user))
    d = daemons.start(database_url=db.app_url)
    ptutil.wait_sealed(d)
    start = ptutil.event_feed(d, headers)
    last = start[-1]["id"]
    # The earlier id stays uncommitted while a later one commits and is read.
    held = Open(db.owner_url, ITEM_EVENT.format(item=1, note="first by id"))
    try:
        first_id = int(held.out[0])
        later = quick(db.owner_url, ITEM_EVENT.format(item=2, note="second by id"))
        later_id = int(later.stdout.split()[0])
        assert later_id > first_id
        ptutil.run_cli(["audit", "verify", "--database-url", db.app_url], expect_rc=0)  # it seals, too
        page = d.get(f"/api/v1/events?after={last}", headers=headers).json()
        assert [e["id"] for e in page["items"]] == [later_id], page
    finally:
        held.release()
    ptutil.wait_sealed(d)
    # A client that holds later_id, the greater id, is still given first_id.
    page = d.get(f"/api/v1/events?after={later_id}", headers=headers).json()
    assert [e["id"] for e in page["items"]] == [first_id], page
    whole = ptutil.event_feed(d, headers)
    ids = [e["id"] for e in whole]
    assert len(ids) == len(set(ids)) == int(ptutil.psql_value(db.owner_url, "SELECT count(*) FROM events"))
    assert ids[-2:] == [later_id, first_id]


def test_concurrent_writers_feed_every_event_once(db, daemons):
    """Writers on different tasks at once, the feed read page by page while
    they write: every event exactly once, each task's in its own order; and
    the webhook outbox holds one delivery per event."""
    import threading

    d = daemons.start(database_url=db.app_url)
    coordinator = ptutil.make_user(db.app_url, "coordinator")
    headers = ptutil.bearer(ptutil.issue_token(db.app_url, coordinator))
    observer = ptutil.make_user(db.app_url, "observer")
    oh = ptutil.bearer(ptutil.issue_token(db.app_url, observer))
    tasks = [int(x) for x in ptutil.psql_value(
        db.owner_url, "SELECT string_agg(id::text, ' ' ORDER BY id) FROM "
                      "(SELECT id FROM tasks ORDER BY id LIMIT 8) x").split()]
    # An endpoint for every event (nothing listens there: the rows stay in the outbox).
    ptutil.psql(db.owner_url, "INSERT INTO webhooks (name, url, format, events, secret) "
                              "VALUES ('all', 'http://127.0.0.1:9/', 'json', '{*}', 's');\n")
    ptutil.wait_sealed(d)
    seen = [e["id"] for e in ptutil.event_feed(d, oh)]
    errors = []

    def writer(task):
        try:
            for i in range(6):
                t = d.get(f"/api/v1/tasks/{task}", headers=headers)
                r = d.request("PATCH", f"/api/v1/tasks/{task}",
                              headers={**headers, "Content-Type": "application/json", "If-Match": t.header("ETag")},
                              body=('{"note": "n%d", "progress": %d}' % (i, 10 + i)).encode())
                if r.status != 200:
                    errors.append((task, r.status, r.body[:200]))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append((task, repr(e)))

    threads = [threading.Thread(target=writer, args=(t,)) for t in tasks]
    for t in threads:
        t.start()
    # The feed followed while they write, by the `after` of the last event held.
    while any(t.is_alive() for t in threads):
        page = d.get(f"/api/v1/events?after={seen[-1]}&limit=200", headers=oh).json()
        seen += [e["id"] for e in page["items"]]
        time.sleep(0.01)
    for t in threads:
        t.join()
    assert not errors, errors
    ptutil.wait_sealed(d)
    while True:
        page = d.get(f"/api/v1/events?after={seen[-1]}&limit=200", headers=oh).json()
        if not page["items"]:
            break
        seen += [e["id"] for e in page["items"]]
    assert len(seen) == len(set(seen)), "an event was fed twice"
    every = [int(x) for x in ptutil.psql_value(db.owner_url, "SELECT string_agg(id::text, ' ' ORDER BY id) "
                                                             "FROM events").split()]
    assert sorted(seen) == every, "an event was missed"
    order = ptutil.psql_value(db.owner_url, "SELECT string_agg(event_id::text, ' ' ORDER BY seq) FROM event_seals")
    assert seen == [int(x) for x in order.split()], "the feed is not in seal order"
    # Each task's events in their own (chain) order, and each a webhook-style
    # subject stream: ids ascending per subject.
    per_task = ptutil.psql_value(db.owner_url, "SELECT bool_and(ok) FROM (SELECT id > lag(id, 1, 0::bigint) "
                                               "OVER (PARTITION BY subject_type, subject_id ORDER BY s.seq) AS ok "
                                               "FROM event_seals s JOIN events e ON e.id = s.event_id) x")
    assert per_task == "t"
    assert ptutil.psql_value(db.owner_url, "SELECT count(*) FROM events WHERE note LIKE 'n_'") == str(6 * len(tasks))
    # The outbox, written in each writer's transaction: one delivery per event, none twice.
    assert ptutil.psql_value(db.owner_url, "SELECT count(*) = count(DISTINCT d.event_id) AND count(*) = "
                                           "(SELECT count(*) FROM events WHERE note LIKE 'n_') "
                                           "FROM webhook_deliveries d JOIN events e ON e.id = d.event_id "
                                           "WHERE e.note LIKE 'n_'") == "t"
    ok = ptutil.run_cli(["audit", "verify", "--database-url", db.app_url], expect_rc=0)
    assert "intact" in ok.stdout, ok.stdout


def test_a_transaction_changing_two_tasks_must_take_the_writers_lock_first(db):
    """Under the shared writers' lock a transaction changes one task: a second
    would hold the first's row (and the dashboards' sums) while waiting for
    the second's, against a writer holding that one and waiting for them."""
    a, b, _ = db.tasks
    change = ("SELECT outcome FROM task_update({t}, NULL, 'coordinator', NULL, NULL, NULL, "
              "'{{\"progress\": 3}}', NULL);")
    bad = ptutil.psql(db.owner_url, "BEGIN;\n" + change.format(t=a) + "\n" + change.format(t=a) + "\n"
                      + change.format(t=b) + "\nCOMMIT;\n", check=False)
    assert bad.returncode != 0 and f"already changed task {a}; to change task {b} too" in bad.stderr, bad.stderr
    assert ptutil.psql_value(db.owner_url, f"SELECT progress FROM tasks WHERE id = {a}") == "0"
    ok = ptutil.psql(db.owner_url, "BEGIN;\nSELECT audit_write_lock(true);\n" + change.format(t=a) + "\n"
                     + change.format(t=b) + "\nCOMMIT;\n")
    assert ok.stdout.split() == ["ok", "ok"], ok.stdout

"""The audit trail anchored outside the database (issue 17, item 8).

The hash chain alone passes a trail whose last events were deleted, or whose
tail was rewritten with the hashes recomputed, by a superuser with the
triggers off. A checkpoint signed with an Ed25519 key (`policytrack audit
checkpoint`) records the head; `audit verify --checkpoint FILE` with the
public key finds both. verify also checks every task against its events, so
a task changed without an event, or whose latest events vanished, is named.
Each test tampers with a database of its own."""

import os
import stat

import pytest

import ptutil

# Rewrites the chains from event `start` on, as an attacker with the hash
# functions would: each row's prev_hash (its subject's previous event's hash)
# and hash recomputed in order; then the seals from the first one of those
# events (or of a removed one) on, numbered and anchored again by the
# sequencer itself.
RECHAIN = """
DO $$
DECLARE
    r record;
    prev text;
    since bigint;
BEGIN
    FOR r IN SELECT * FROM events WHERE id >= {start} ORDER BY id LOOP
        prev := coalesce((SELECT p.hash FROM events p
                          WHERE p.subject_type = r.subject_type AND p.subject_id = r.subject_id
                            AND p.id < r.id ORDER BY p.id DESC LIMIT 1), repeat('0', 64));
        UPDATE events SET prev_hash = prev,
                          hash = events_row_hash(prev, id, at, actor_id, subject_type, subject_id,
                                                 kind, changes, note)
        WHERE id = r.id;
    END LOOP;
    since := (SELECT min(s.seq) FROM event_seals s
              WHERE s.event_id >= {start} OR NOT EXISTS (SELECT 1 FROM events e WHERE e.id = s.event_id));
    DELETE FROM event_seals WHERE seq >= since;
    INSERT INTO events_unsealed (event_id)
    SELECT e.id FROM events e WHERE NOT EXISTS (SELECT 1 FROM event_seals s WHERE s.event_id = e.id)
    ON CONFLICT DO NOTHING;
    PERFORM events_seal(100000);
END
$$;
"""


class Trail:
    """A migrated database of its own, with the superuser's view of it."""

    def __init__(self, db, tmp_path):
        self.db = db
        self.admin = ptutil.conninfo_with(ptutil.admin_db_url(), dbname=db.name)
        self.tmp = tmp_path

    def value(self, sql):
        return ptutil.psql_value(self.db.owner_url, sql)

    def change(self, *changes):
        """Task changes (task, fields[, note]) through task_update(), the write
        every PATCH makes, in order."""
        sql = []
        for task, fields, *note in changes:
            note_sql = f"'{note[0]}'" if note else "NULL"
            sql.append(f"SELECT outcome FROM task_update({task}, NULL, 'coordinator', NULL, NULL, "
                       f"(SELECT version FROM tasks WHERE id = {task}), '{fields}'::jsonb, {note_sql});")
        cp = ptutil.psql(self.db.owner_url, "\n".join(sql) + "\n")
        assert cp.stdout.split() == ["ok"] * len(changes), cp.stdout

    def as_superuser(self, sql):
        """SQL with every trigger of the events and the seals off (append-only,
        chain, queue, foreign keys), as only a superuser can."""
        ptutil.psql(self.admin, "BEGIN;\n"
                                "ALTER TABLE events DISABLE TRIGGER ALL;\n"
                                "ALTER TABLE event_seals DISABLE TRIGGER ALL;\n"
                                + sql +
                                "\nALTER TABLE events ENABLE TRIGGER ALL;\n"
                                "ALTER TABLE event_seals ENABLE TRIGGER ALL;\n"
                                "COMMIT;\n")

    def last_event(self):
        return int(self.value("SELECT max(id) FROM events"))

    def keygen(self, name="signing.key"):
        path = self.tmp / name
        cp = ptutil.run_cli(["audit", "keygen", "--output", str(path)], expect_rc=0)
        public = cp.stdout.strip()
        assert len(public) == 64 and int(public, 16) >= 0, cp.stdout
        return path, public

    def checkpoint(self, key, name="trail.checkpoint", expect_rc=0):
        path = self.tmp / name
        cp = ptutil.run_cli(["audit", "checkpoint", "--output", str(path), "--key", str(key),
                             "--database-url", self.db.app_url], expect_rc=expect_rc)
        return path, cp

    def verify(self, *extra, expect_rc=None):
        return ptutil.run_cli(["audit", "verify", *extra, "--database-url", self.db.app_url],
                              expect_rc=expect_rc)


@pytest.fixture
def trail(migrated_template, tmp_path):
    with ptutil.fresh_database(template=migrated_template) as db:
        yield make_trail(db, tmp_path)


def make_trail(db, tmp_path):
    t = Trail(db, tmp_path)
    tasks = [int(x) for x in t.value("SELECT string_agg(id::text, ' ' ORDER BY id) FROM "
                                     "(SELECT id FROM tasks ORDER BY id LIMIT 3) x").split()]
    t.tasks = tasks
    t.change((tasks[0], '{"status": "in_progress", "progress": 20}'),
             (tasks[1], '{"due_date": "2027-06-30"}'),
             (tasks[2], '{"status": "blocked"}', "budget not approved"),
             (tasks[0], '{"rag_override": {"rating": "amber", "rationale": "slow start"}}'),
             (tasks[0], '{}', "a note, nothing changed"))
    return t


def test_an_unchanged_trail_holds_its_checkpoint_and_later_events_too(trail):
    key, public = trail.keygen()
    cp_path, cp = trail.checkpoint(key)
    events = int(trail.value("SELECT count(*) FROM events"))
    assert f"{events} events, head event {trail.last_event()}" in cp.stdout, cp.stdout
    text = cp_path.read_text()
    assert text.startswith("policytrack audit checkpoint 1\n") and f"public_key: {public}\n" in text
    ok = trail.verify("--checkpoint", str(cp_path), "--public-key", public, expect_rc=0)
    assert "intact" in ok.stdout and "holds" in ok.stdout and "and 0 since" in ok.stdout, ok.stdout
    # The trail goes on after a checkpoint: the checkpoint still holds.
    trail.change((trail.tasks[1], '{"status": "in_progress"}'), (trail.tasks[1], '{"progress": 40}'))
    ok = trail.verify("--checkpoint", str(cp_path), "--public-key-file", str(key), expect_rc=0)
    assert "and 2 since" in ok.stdout, ok.stdout
    # The public key from the environment, as cron would have it.
    ok = ptutil.run_cli(["audit", "verify", "--checkpoint", str(cp_path), "--database-url", trail.db.app_url],
                        env={"POLICYTRACK_AUDIT_PUBLIC_KEY": public}, expect_rc=0)
    assert "holds" in ok.stdout


def test_a_deleted_last_event_fails_against_the_checkpoint(trail):
    key, public = trail.keygen()
    cp_path, _ = trail.checkpoint(key)
    last = trail.last_event()
    assert trail.value(f"SELECT kind FROM events WHERE id = {last}") == "task.noted"
    # The event gone, and its seal, the last, with it.
    trail.as_superuser(f"DELETE FROM event_seals WHERE event_id = {last};\n"
                       f"DELETE FROM events WHERE id = {last};")
    # What the chains alone cannot see: the rest of them is still whole, and
    # the event changed no field of its task.
    plain = trail.verify(expect_rc=0)
    assert "intact" in plain.stdout and "no checkpoint given" in plain.stdout, plain.stdout
    bad = trail.verify("--checkpoint", str(cp_path), "--public-key", public, expect_rc=1)
    assert "lost its tail" in bad.stdout and f"ends at event {last - 1}" in bad.stdout, bad.stdout
    assert "intact" not in bad.stdout


def test_a_tail_rewritten_with_recomputed_hashes_fails(trail):
    key, public = trail.keygen()
    cp_path, _ = trail.checkpoint(key)
    last = trail.last_event()
    # The last two events' notes forged, the chain recomputed from there on.
    trail.as_superuser(f"UPDATE events SET note = 'forged' WHERE id >= {last - 1};\n"
                       + RECHAIN.format(start=last - 1))
    assert "intact" in trail.verify(expect_rc=0).stdout   # the chain itself is consistent again
    bad = trail.verify("--checkpoint", str(cp_path), "--public-key", public, expect_rc=1)
    assert f"event {last} is not the event checkpoint" in bad.stdout and "rewritten" in bad.stdout, bad.stdout


def test_a_tail_replaced_by_other_events_fails(trail):
    """The last event deleted and another written in its place, with its id
    and a recomputed hash: the head is there, but not the one signed."""
    key, public = trail.keygen()
    cp_path, _ = trail.checkpoint(key)
    last = trail.last_event()
    trail.as_superuser(
        f"DELETE FROM events WHERE id = {last};\n"
        f"INSERT INTO events (id, at, subject_type, subject_id, kind, changes, note, prev_hash, hash) "
        f"SELECT {last}, now(), 'task', {trail.tasks[0]}, 'task.noted', '{{}}', 'another', '', '';\n"
        + RECHAIN.format(start=last))
    assert "intact" in trail.verify(expect_rc=0).stdout
    bad = trail.verify("--checkpoint", str(cp_path), "--public-key", public, expect_rc=1)
    assert f"event {last} is not the event checkpoint" in bad.stdout, bad.stdout


def test_a_middle_event_removed_and_the_chain_recomputed_fails(trail):
    key, public = trail.keygen()
    cp_path, _ = trail.checkpoint(key)
    middle = int(trail.value("SELECT id FROM events ORDER BY id DESC OFFSET 3 LIMIT 1"))
    trail.as_superuser(f"DELETE FROM events WHERE id = {middle};\n" + RECHAIN.format(start=middle))
    bad = trail.verify("--checkpoint", str(cp_path), "--public-key", public, expect_rc=1)
    assert "rewritten" in bad.stdout, bad.stdout


def test_the_wrong_key_fails(trail):
    key, public = trail.keygen()
    other_key, other_public = trail.keygen("other.key")
    cp_path, _ = trail.checkpoint(key)
    # Verified with a key that did not sign it.
    bad = trail.verify("--checkpoint", str(cp_path), "--public-key", other_public, expect_rc=1)
    assert "not signed with the key you trust" in bad.stdout, bad.stdout
    # A forger's checkpoint: signed with their own key, which it names. The key
    # written in the file proves nothing; only the key given to verify counts.
    forged, _ = trail.checkpoint(other_key, name="forged.checkpoint")
    bad = trail.verify("--checkpoint", str(forged), "--public-key", public, expect_rc=1)
    assert "not signed with the key you trust" in bad.stdout, bad.stdout
    # The right key, but the file edited: the signature no longer verifies.
    text = cp_path.read_text()
    events = int(text.split("events: ")[1].split("\n")[0])
    edited = trail.tmp / "edited.checkpoint"
    edited.write_text(text.replace(f"events: {events}\n", f"events: {events - 1}\n"))
    bad = trail.verify("--checkpoint", str(edited), "--public-key", public, expect_rc=1)
    assert "signature does not verify" in bad.stdout, bad.stdout
    # A checkpoint without a public key to check it with is refused outright.
    cp = trail.verify("--checkpoint", str(cp_path), expect_rc=2)
    assert "public key" in cp.stderr and "proves nothing" in cp.stderr, cp.stderr
    cp = trail.verify("--checkpoint", str(cp_path), "--public-key", "abcd", expect_rc=2)
    assert "64 hex digits" in cp.stderr, cp.stderr


def test_a_task_changed_without_an_event_is_reported(trail):
    task = trail.tasks[1]
    ptutil.psql(trail.db.owner_url, f"UPDATE tasks SET status = 'completed', progress = 100 WHERE id = {task};")
    bad = trail.verify(expect_rc=1)
    assert f"task {task}: status is 'completed', but its events leave 'not_started'" in bad.stdout, bad.stdout
    assert f"task {task}: progress is '100', but its events leave '0'" in bad.stdout, bad.stdout
    assert "tasks differ from their events: 1 tasks, 2 fields" in bad.stdout, bad.stdout
    # And no checkpoint is signed over it.
    key, _ = trail.keygen()
    path, cp = trail.checkpoint(key, expect_rc=1)
    assert not path.exists() and "no checkpoint written" in cp.stderr, cp.stderr


def test_a_task_whose_latest_event_vanished_is_reported(trail):
    task = trail.tasks[1]
    trail.change((task, '{"status": "in_progress", "due_date": "2027-09-30"}'))
    last = trail.last_event()
    trail.as_superuser(f"DELETE FROM events WHERE id = {last};")
    bad = trail.verify(expect_rc=1)   # no checkpoint needed: the task is ahead of its events
    assert f"task {task}: status is 'in_progress', but its events leave 'not_started'" in bad.stdout, bad.stdout
    assert f"task {task}: due_date is '2027-09-30', but its events leave '2027-06-30'" in bad.stdout, bad.stdout


def test_rag_override_and_role_are_checked_too(trail):
    task, other = trail.tasks[0], trail.tasks[2]
    ptutil.psql(trail.db.owner_url,
                f"UPDATE tasks SET rag_override = NULL, rag_override_rationale = NULL WHERE id = {task};\n"
                f"UPDATE tasks SET evidence = '[\"https://example.org/x\"]' WHERE id = {other};")
    bad = trail.verify(expect_rc=1)
    assert f"task {task}: rag_override is none, but its events leave 'amber'" in bad.stdout, bad.stdout
    assert f"task {other}: evidence is" in bad.stdout, bad.stdout
    # The document import's re-assignments are events too (changes.role).
    reassigned = trail.value("SELECT subject_id FROM events WHERE kind = 'task.reassigned' ORDER BY id DESC LIMIT 1")
    assert reassigned, "the bundled documents re-assign tasks at migrate"


def test_keys_are_kept_private_and_never_overwritten(trail):
    old = os.umask(0)
    try:
        key, public = trail.keygen()
    finally:
        os.umask(old)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert public in key.read_text() and "secret_key: " in key.read_text()
    before = key.read_bytes()
    cp = ptutil.run_cli(["audit", "keygen", "--output", str(key)], expect_rc=1)
    assert "never overwritten" in cp.stderr and key.read_bytes() == before
    # A key others may read is refused, as ssh refuses one.
    key.chmod(0o644)
    path, cp = trail.checkpoint(key, expect_rc=1)
    assert "chmod 600" in cp.stderr and not path.exists(), cp.stderr
    key.chmod(0o600)
    # From the environment, as cron would give it.
    path = trail.tmp / "env.checkpoint"
    ptutil.run_cli(["audit", "checkpoint", "--output", str(path), "--database-url", trail.db.app_url],
                   env={"POLICYTRACK_AUDIT_KEY_FILE": str(key)}, expect_rc=0)
    assert path.exists()
    # Not a key at all.
    junk = trail.tmp / "junk.key"
    junk.write_text("secret_key: 00\n")
    junk.chmod(0o600)
    _, cp = trail.checkpoint(junk, name="junk.checkpoint", expect_rc=1)
    assert "not a signing key" in cp.stderr, cp.stderr


def test_usage_errors():
    for args, words in ((["audit", "checkpoint"], "--output"),
                        (["audit", "keygen"], "--output"),
                        (["audit", "verify", "--key", "k"], "--key is for"),
                        (["audit", "verify", "--public-key", "ab" * 32], "--checkpoint"),
                        (["audit", "frobnicate"], "audit keygen")):
        cp = ptutil.run_cli(args, expect_rc=2, env={"POLICYTRACK_AUDIT_KEY_FILE": None})
        assert words in cp.stderr, (args, cp.stderr)


# Tampering anywhere, found by verify alone (0031: each event chained to its
# subject's previous one, every event sealed exactly once in an anchored
# order). The trail's five events: tasks[0], [1], [2], [0], [0], in id order.

def trail_events(trail):
    """The trail's own five events (the last), in id order: (id, task, seq),
    sealed first as the daemon would have."""
    trail.value("SELECT events_seal(100000)")
    rows = trail.value("SELECT string_agg(e.id || ':' || e.subject_id || ':' || s.seq, ' ' ORDER BY e.id) "
                       "FROM (SELECT * FROM events ORDER BY id DESC LIMIT 5) e "
                       "JOIN event_seals s ON s.event_id = e.id")
    return [tuple(int(x) for x in r.split(":")) for r in rows.split()]


def rehash(ids):
    """Recomputes these events' hashes over their content, in order, keeping prev_hash."""
    return "".join(f"UPDATE events SET hash = events_row_hash(prev_hash, id, at, actor_id, subject_type, "
                   f"subject_id, kind, changes, note) WHERE id = {i};\n" for i in ids)


def test_an_edited_event_in_the_middle_is_named(trail):
    ev = trail_events(trail)
    middle = ev[3][0]   # the second of tasks[0]'s three
    trail.as_superuser(f"UPDATE events SET note = 'forged' WHERE id = {middle};")
    bad = trail.verify(expect_rc=1)
    assert f"broken at event {middle}: its content no longer matches its hash" in bad.stdout, bad.stdout


def test_an_edited_event_rehashed_breaks_its_subjects_next(trail):
    ev = trail_events(trail)
    middle, last = ev[3][0], ev[4][0]
    trail.as_superuser(f"UPDATE events SET note = 'forged' WHERE id = {middle};\n" + rehash([middle]))
    bad = trail.verify(expect_rc=1)
    assert f"broken at event {last} (task {trail.tasks[0]})" in bad.stdout, bad.stdout


def test_a_subjects_chain_recomputed_breaks_the_seals(trail):
    """The edited event and its subject's later ones rehashed in chain order:
    the chains are whole again, but the seals' anchors covered the old hashes."""
    ev = trail_events(trail)
    middle, last = ev[3], ev[4]
    trail.as_superuser(
        f"UPDATE events SET note = 'forged' WHERE id = {middle[0]};\n" + rehash([middle[0]])
        + f"UPDATE events SET prev_hash = (SELECT hash FROM events WHERE id = {middle[0]}) WHERE id = {last[0]};\n"
        + rehash([last[0]]))
    bad = trail.verify(expect_rc=1)
    assert f"seal {middle[2]} (event {middle[0]}) no longer matches its anchor" in bad.stdout, bad.stdout


def test_an_event_inserted_in_a_subjects_chain_is_named(trail):
    """An event slipped into tasks[0]'s chain at an unused id below its last
    event, chained to its predecessor and sealed: the next one names another."""
    free = int(trail.value("SELECT nextval('events_id_seq')"))   # an id left unused
    trail.change((trail.tasks[0], '{}', "after the gap"))
    after = trail.last_event()
    prev = trail.value(f"SELECT hash FROM events WHERE subject_id = {trail.tasks[0]} AND subject_type = 'task' "
                       f"AND id < {free} ORDER BY id DESC LIMIT 1")
    trail.as_superuser(
        "INSERT INTO events (id, at, subject_type, subject_id, kind, changes, note, prev_hash, hash) "
        f"SELECT {free}, now(), 'task', {trail.tasks[0]}, 'task.noted', '{{}}', 'inserted', '{prev}', "
        f"events_row_hash('{prev}', {free}, now(), NULL, 'task', {trail.tasks[0]}, 'task.noted', '{{}}', 'inserted');\n"
        f"INSERT INTO events_unsealed VALUES ({free});\n"
        "SELECT events_seal(1000);")
    bad = trail.verify(expect_rc=1)
    assert f"broken at event {after} (task {trail.tasks[0]})" in bad.stdout, bad.stdout


def test_an_event_inserted_around_the_write_functions_is_named(trail):
    """Appended at a subject's tail, well chained, but never queued for a seal."""
    task = trail.tasks[1]
    new = trail.last_event() + 10
    prev = trail.value(f"SELECT hash FROM events WHERE subject_type = 'task' AND subject_id = {task} "
                       "ORDER BY id DESC LIMIT 1")
    trail.as_superuser(
        "INSERT INTO events (id, at, subject_type, subject_id, kind, changes, note, prev_hash, hash) "
        f"SELECT {new}, now(), 'task', {task}, 'task.noted', '{{}}', 'appended', '{prev}', "
        f"events_row_hash('{prev}', {new}, now(), NULL, 'task', {task}, 'task.noted', '{{}}', 'appended');")
    bad = trail.verify(expect_rc=1)
    assert f"event {new} is in no seal and was never queued for one" in bad.stdout, bad.stdout


def test_a_deleted_event_in_the_middle_is_named(trail):
    ev = trail_events(trail)
    middle, last = ev[3][0], ev[4][0]
    trail.as_superuser(f"DELETE FROM event_seals WHERE event_id = {middle};\nDELETE FROM events WHERE id = {middle};")
    bad = trail.verify(expect_rc=1)
    assert f"broken at event {last} (task {trail.tasks[0]})" in bad.stdout, bad.stdout


def test_a_subjects_deleted_last_event_is_named(trail):
    """tasks[1]'s only event, not the trail's last: its seal's place is a gap;
    without the seal gone too, the seal names a missing event."""
    ev = trail_events(trail)
    gone, _, seq = ev[1]
    trail.as_superuser(f"DELETE FROM events WHERE id = {gone};")
    bad = trail.verify(expect_rc=1)
    assert f"seal {seq} names event {gone}, which is not in the trail" in bad.stdout, bad.stdout
    trail.as_superuser(f"DELETE FROM event_seals WHERE event_id = {gone};")
    bad = trail.verify(expect_rc=1)
    assert f"the seals jump from {seq - 1} to {seq + 1}" in bad.stdout, bad.stdout


def test_the_trails_deleted_last_event_is_named_by_its_seal(trail):
    last = trail_events(trail)[-1][0]
    trail.as_superuser(f"DELETE FROM events WHERE id = {last};")
    bad = trail.verify(expect_rc=1)
    assert f"names event {last}, which is not in the trail" in bad.stdout, bad.stdout


def test_a_deleted_event_not_sealed_yet_is_named(trail):
    """Removed between its commit and the seal: its place in the queue stays."""
    trail.change((trail.tasks[2], '{}', "not sealed yet"))
    last = trail.last_event()
    assert trail.value(f"SELECT count(*) FROM events_unsealed WHERE event_id = {last}") == "1"
    trail.as_superuser(f"DELETE FROM events WHERE id = {last};")
    bad = trail.verify(expect_rc=1)
    assert f"event {last} was written (it waited for a seal) but is not in the trail" in bad.stdout, bad.stdout

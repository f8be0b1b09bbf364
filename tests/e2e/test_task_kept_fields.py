"""The per-task fields kept on the rows by the writers of their sources
(migration 0034, sql/definitions/18_task_kept_fields.sql) stay equal to
what they stand for: after a random sequence of every write that touches a
source (extension requests asked, approved and refused; work items added
and removed; due dates changed; escalation runs on several days; a
document imported anew; and the owner's own deletes and moves), every task's
kept fields equal their recomputation from the source tables, and every
measure's document code its document's. bench/gen-data's data starts the
sequence, and the status changes of a task write none of them."""

import datetime
import json
import random

import pytest

import ptutil

SEED = 20261208

# The kept fields, and each recomputed from its sources.
MISMATCHES = """
    SELECT t.id
    FROM tasks t
    WHERE t.due_date_before_extensions IS DISTINCT FROM
              (SELECT e.previous_due FROM extension_requests e
               WHERE e.task_id = t.id AND e.state = 'approved' ORDER BY e.decided_at, e.id LIMIT 1)
       OR t.extension_open_id IS DISTINCT FROM
              (SELECT e.id FROM extension_requests e WHERE e.task_id = t.id AND e.state = 'open')
       OR t.work_items_live <> (SELECT count(*) FROM work_items w
                                WHERE w.task_id = t.id AND w.removed_at IS NULL)
       OR t.escalated <> EXISTS (SELECT 1 FROM escalations x
                                 WHERE x.subject_type = 'task' AND x.subject_id = t.id)
    UNION ALL
    SELECT -m.id FROM measures m JOIN documents d ON d.id = m.document_id
    WHERE m.document_code IS DISTINCT FROM d.code
    ORDER BY 1"""


@pytest.fixture(scope="module")
def db(generated_db):
    return generated_db


@pytest.fixture(scope="module")
def d(module_daemons, db):
    return module_daemons.start(database_url=db.app_url)


def mismatches(db):
    return ptutil.psql(db.owner_url, MISMATCHES).stdout.split()


def value(db, sql):
    return ptutil.psql_value(db.owner_url, sql)


def test_gen_data_leaves_them_right(db):
    assert mismatches(db) == []


def test_status_changes_fire_none_of_the_triggers(db):
    """The triggers are on the sources alone; tasks has none of them."""
    out = ptutil.psql(db.owner_url, """
        SELECT tgname FROM pg_trigger WHERE tgrelid = 'tasks'::regclass AND tgname LIKE '%kept%'""").stdout
    assert out.split() == []


def test_a_random_sequence_of_writes_keeps_them_right(db, d):
    rng = random.Random(SEED)
    agency, province = value(db, """
        SELECT agency_code || ' ' || province_code FROM tasks WHERE status = 'not_started' AND progress = 0
        GROUP BY agency_code, province_code ORDER BY count(*) DESC, 1 LIMIT 1""").split()
    coord = ptutil.bearer(ptutil.issue_token(db.app_url, ptutil.make_user(db.app_url, "coordinator")))
    unit = ptutil.bearer(ptutil.issue_token(
        db.app_url, ptutil.make_user(db.app_url, "agency", agency=agency, province=province)))
    today = datetime.date.fromisoformat(value(db, "SELECT current_date"))
    tasks = [int(x) for x in ptutil.psql(db.owner_url, f"""
        SELECT id FROM tasks WHERE agency_code = '{agency}' AND province_code = '{province}'
          AND status = 'not_started' AND progress = 0 ORDER BY id LIMIT 16""").stdout.split()]
    assert len(tasks) >= 8, tasks

    def send(headers, method, path, body=None, etag=None):
        h = {**headers, "Content-Type": "application/json"}
        if etag:
            h["If-Match"] = etag
        r = d.request(method, path, headers=h, body=json.dumps(body).encode() if body is not None else None)
        assert r.status < 500, (method, path, r)
        return r

    def later(lo, hi):
        return (today + datetime.timedelta(days=rng.randint(lo, hi))).isoformat()

    for task in tasks:
        # Due later, so that extensions may be asked; received, so that the unit may ask.
        etag = d.get(f"/api/v1/tasks/{task}", headers=coord).header("ETag")
        assert send(coord, "PATCH", f"/api/v1/tasks/{task}", {"due_date": later(10, 60)}, etag).status == 200
        assert send(unit, "POST", f"/api/v1/tasks/{task}/receive").status == 200
    done = {"approved": 0, "refused": 0, "requested": 0, "added": 0, "removed": 0, "redated": 0,
            "escalations": 0}
    for step in range(160):
        task = rng.choice(tasks)
        kind = rng.choice(("request", "request", "approve", "refuse", "redate", "add", "add", "remove",
                           "escalate"))
        if kind == "request":
            r = send(unit, "POST", f"/api/v1/tasks/{task}/extensions",
                     {"due_date": later(100, 400), "reason": "跨采购周期"})
            done["requested"] += r.status in (200, 201)
        elif kind in ("approve", "refuse"):
            r = send(coord, "POST", f"/api/v1/tasks/{task}/extensions/{kind}", {"reason": "意见"})
            done["approved" if kind == "approve" else "refused"] += r.status == 200
        elif kind == "redate":
            etag = d.get(f"/api/v1/tasks/{task}", headers=coord).header("ETag")
            r = send(coord, "PATCH", f"/api/v1/tasks/{task}", {"due_date": later(1, 90)}, etag)
            done["redated"] += r.status == 200
        elif kind == "add":
            r = send(coord, "POST", f"/api/v1/tasks/{task}/work-items",
                     {"title_zh": "工作项", "due_date": later(-10, 90), "agency": agency})
            done["added"] += r.status in (200, 201)
        elif kind == "remove":
            items = d.get(f"/api/v1/tasks/{task}/work-items", headers=coord).json()["items"]
            if items:
                item = rng.choice(items)
                etag = d.get(f"/api/v1/work-items/{item['id']}", headers=coord).header("ETag")
                r = send(coord, "DELETE", f"/api/v1/work-items/{item['id']}", etag=etag)
                done["removed"] += r.status in (200, 204)
        else:
            day = (today + datetime.timedelta(days=rng.randint(-5, 120))).isoformat()
            ptutil.run_cli(["escalate", "--as-of", day, "--database-url", db.owner_url], expect_rc=0)
            done["escalations"] += 1
        if step % 40 == 39:
            assert mismatches(db) == [], (step, done)
    assert all(n > 0 for n in done.values()), done
    assert int(value(db, "SELECT count(*) FROM tasks WHERE escalated")) > 0
    assert int(value(db, "SELECT count(*) FROM tasks WHERE due_date_before_extensions IS NOT NULL")) > 0
    assert mismatches(db) == [], done

    # The owner's own writes (a restore by hand, a repair): deletes, a move
    # of a work item to another task, an escalation removed.
    ptutil.psql(db.owner_url, f"""
        DELETE FROM extension_requests WHERE id = (SELECT min(id) FROM extension_requests WHERE state = 'open');
        DELETE FROM extension_requests WHERE id = (SELECT min(id) FROM extension_requests WHERE state = 'approved');
        UPDATE work_items SET task_id = {tasks[0]}
        WHERE id = (SELECT min(id) FROM work_items WHERE removed_at IS NULL AND task_id <> {tasks[0]});
        DELETE FROM work_items WHERE id = (SELECT max(id) FROM work_items WHERE removed_at IS NULL)
          AND NOT EXISTS (SELECT 1 FROM escalations WHERE subject_type = 'work_item'
                          AND subject_id = (SELECT max(id) FROM work_items WHERE removed_at IS NULL));
        DELETE FROM escalations WHERE id IN (SELECT max(id) FROM escalations WHERE subject_type = 'task'
                                             GROUP BY subject_id ORDER BY 1 LIMIT 3);
        """)
    assert mismatches(db) == []


def test_a_document_imported_anew_keeps_them_right(db, tmp_path):
    """An import adds measures (their document code) and tasks (none kept)."""
    code = value(db, "SELECT min(code) FROM documents")
    doc = json.loads(ptutil.run_cli(["export", "document", code, "--database-url", db.owner_url],
                                    expect_rc=0).stdout)
    doc["document"]["code"] = "kept-copy-1"
    path = tmp_path / "copy.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    ptutil.run_cli(["import", "document", str(path), "--database-url", db.owner_url], expect_rc=0)
    assert int(value(db, "SELECT count(*) FROM measures WHERE document_code = 'kept-copy-1'")) > 0
    assert mismatches(db) == []

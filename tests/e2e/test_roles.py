"""Roles from their table: GET /api/v1/roles serves them, users.role refers
to them, and /readyz refuses while the database's roles are not the ones
this build's routes name."""

import time

import ptutil

# The roles the permission table (test_permissions.py) calls every route as.
ROLES = ["admin", "coordinator", "agency", "province", "observer"]


def test_roles_are_served_in_order_to_everyone_signed_in(daemons, migrated_db, observer_auth):
    d = daemons.start(database_url=migrated_db)
    r = d.get("/api/v1/roles", headers=observer_auth)
    assert r.status == 200, r
    items = r.json()["items"]
    assert [i["name"] for i in items] == ROLES
    assert all(i["name_zh"] and i["name_en"] for i in items), items
    ptutil.assert_problem(d.get("/api/v1/roles"), 401)
    ptutil.assert_problem(d.get("/api/v1/roles?limit=1", headers=observer_auth), 400)


def test_a_user_role_must_be_in_the_table(migrated_db):
    cp = ptutil.psql(ptutil.migrate_db_url(),
                     "INSERT INTO users (username, display_name, role, password_hash) "
                     "VALUES ('emperor-x', 'x', 'emperor', '$argon2id$x')", check=False)
    assert cp.returncode != 0 and "users_role_fkey" in cp.stderr, cp.stderr


def wait_ready(d, status, timeout=5):
    deadline = time.monotonic() + timeout
    while True:
        r = d.get("/readyz")
        if r.status == status or time.monotonic() > deadline:
            return r
        time.sleep(0.2)


def test_readyz_refuses_while_the_roles_differ(daemons, fresh_db):
    ptutil.migrate(fresh_db.owner_url)
    d = daemons.start(database_url=fresh_db.app_url)
    assert wait_ready(d, 200).status == 200
    ptutil.psql(fresh_db.owner_url, "INSERT INTO roles VALUES ('auditor', '审计', 'Auditor', 6)")
    r = wait_ready(d, 503)
    body = ptutil.assert_problem(r, 503)
    assert "roles differ" in body["detail"] and "auditor" in body["detail"], body
    assert r.header("Retry-After") is not None
    ptutil.psql(fresh_db.owner_url, "DELETE FROM roles WHERE name = 'auditor'")
    assert wait_ready(d, 200).status == 200

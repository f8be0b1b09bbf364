"""The deployment norms a government buyer checks (GB/T 22239-2019 level 3;
issue 20, item 6), from the outside: password rules on every path that sets a
password, expiry and history, sessions that idle out, sign-in records kept at
least six months, and the 密级 guard on documents. docs/security.md,
"Deployment norms", says what each is."""

import json
import pathlib
import secrets
import time

import pytest

import ptutil

PASSWORD = ptutil.PASSWORD
ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "import-example.json"
ROLES = [("admin", {}), ("coordinator", {}), ("agency", {"agency": "sipo"}),
         ("province", {"province": "CN-LN"}), ("observer", {})]
ROLE_IDS = [r for r, _ in ROLES]


@pytest.fixture(scope="module")
def d(module_daemons, migrated_db):
    return module_daemons.start(database_url=migrated_db)


@pytest.fixture(scope="module")
def admin(migrated_db):
    return ptutil.bearer(ptutil.issue_token(migrated_db, ptutil.make_user(migrated_db, "admin")))


def send(d, method, path, obj, headers=None):
    # Password checks are argon2id verifications on the hash threads (one per
    # recent password): slow on purpose, and slower on a busy machine.
    h = {"Content-Type": "application/json", **(headers or {})}
    return d.request(method, path, headers=h, body=json.dumps(obj, ensure_ascii=False).encode(),
                     timeout=30)


def get(d, path, headers):
    return d.request("GET", path, headers=headers, timeout=30)


def sign_in(d, username, password=PASSWORD):
    return send(d, "POST", "/api/v1/sessions", {"username": username, "password": password},
                headers=None)


def session(d, username, password=PASSWORD):
    r = sign_in(d, username, password)
    assert r.status == 201, r
    return ptutil.bearer(r.json()["token"])


def change(d, headers, current, new):
    return send(d, "PUT", "/api/v1/me/password",
                {"current_password": current, "new_password": new}, headers)


def field_problem(r, field):
    problem = ptutil.assert_problem(r, 400)
    assert field in problem.get("errors", {}), problem
    return problem["errors"][field]


def owner_sql(sql):
    return ptutil.psql(ptutil.migrate_db_url(), sql)


# --------------------------------------------------------------------------
# Password rules: every path that sets a password


def test_password_rules_on_every_path(d, migrated_db, admin):
    one_class = "onlylowercaseletters"
    why = field_problem(send(d, "POST", "/api/v1/users",
                             {"username": f"weak-{secrets.token_hex(3)}", "display_name": "x",
                              "role": "observer", "password": one_class}, admin), "password")
    assert "at least 3 of" in why and "(it has 1)" in why, why
    why = field_problem(send(d, "POST", "/api/v1/users",
                             {"username": f"weak-{secrets.token_hex(3)}", "display_name": "x",
                              "role": "observer", "password": "Ab1!short"}, admin), "password")
    assert "at least 12 characters" in why, why

    user = ptutil.make_user(migrated_db, "observer")
    why = field_problem(send(d, "PATCH", f"/api/v1/users/{user}", {"password": one_class}, admin),
                        "password")
    assert "at least 3 of" in why, why
    headers = session(d, user)
    why = field_problem(change(d, headers, PASSWORD, "ALLUPPERCASE12345"), "new_password")
    assert "(it has 2)" in why, why

    cp = ptutil.run_cli(["user", "add", f"weak-{secrets.token_hex(3)}", "--role", "observer",
                         "--password-stdin", "--database-url", migrated_db],
                        input=one_class + "\n", expect_rc=2)
    assert "at least 3 of" in cp.stderr, cp.stderr
    cp = ptutil.run_cli(["user", "passwd", user, "--password-stdin", "--database-url", migrated_db],
                        input=one_class + "\n", expect_rc=2)
    assert "at least 3 of" in cp.stderr, cp.stderr
    # Nothing changed: the user still signs in with the password they had.
    assert sign_in(d, user).status == 201


def test_password_rules_are_configurable(daemons, migrated_db):
    strict = daemons.start("--password-min-length", "30", "--password-min-classes", "4",
                           database_url=migrated_db)
    admin = session(strict, ptutil.make_user(migrated_db, "admin"))
    why = field_problem(send(strict, "POST", "/api/v1/users",
                             {"username": f"strict-{secrets.token_hex(3)}", "display_name": "x",
                              "role": "observer", "password": PASSWORD}, admin), "password")
    assert "at least 30 characters" in why, why
    me = get(strict, "/api/v1/me", headers=admin).json()
    assert me["password"]["min_length"] == 30 and me["password"]["min_classes"] == 4, me
    # The CLI reads the same variables as the daemon.
    cp = ptutil.run_cli(["user", "add", f"lax-{secrets.token_hex(3)}", "--role", "observer",
                         "--password-stdin", "--database-url", migrated_db],
                        env={"POLICYTRACK_PASSWORD_MIN_CLASSES": "1"},
                        input="onlylowercaseletters\n", expect_rc=0)
    cp = ptutil.run_cli(["user", "list", "--database-url", migrated_db],
                        env={"POLICYTRACK_PASSWORD_MIN_CLASSES": "5"}, expect_rc=2)
    assert "POLICYTRACK_PASSWORD_MIN_CLASSES" in cp.stderr, cp.stderr


# --------------------------------------------------------------------------
# Changing one's own password; the history


@pytest.mark.parametrize("role,scope", ROLES, ids=ROLE_IDS)
def test_each_role_changes_its_own_password(d, migrated_db, role, scope):
    user = ptutil.make_user(migrated_db, role, **scope)
    headers = session(d, user)
    other = session(d, user)
    automation = ptutil.bearer(ptutil.issue_token(migrated_db, user))

    why = field_problem(change(d, headers, "Not the password 1", "Brand new passphrase 2"),
                        "current_password")
    assert "wrong" in why, why
    why = field_problem(change(d, headers, PASSWORD, PASSWORD), "new_password")
    assert "last 5 passwords" in why, why
    r = send(d, "PUT", "/api/v1/me/password", {"new_password": "Brand new passphrase 2"}, headers)
    field_problem(r, "current_password")

    r = change(d, headers, PASSWORD, "Brand new passphrase 2")
    assert r.status == 200, r
    body = r.json()
    assert body["tokens_revoked"] == 2 and body["password_changed_at"], body
    assert body["password_expires_at"] > body["password_changed_at"], body
    # The session that made the change goes on; the others end.
    assert get(d, "/api/v1/me", headers=headers).status == 200
    ptutil.assert_problem(get(d, "/api/v1/me", headers=other), 401)
    ptutil.assert_problem(get(d, "/api/v1/me", headers=automation), 401)
    ptutil.assert_problem(sign_in(d, user), 401)
    headers = session(d, user, "Brand new passphrase 2")

    # Back to the first one: within the last five, so refused.
    why = field_problem(change(d, headers, "Brand new passphrase 2", PASSWORD), "new_password")
    assert "must differ" in why, why


def test_admin_and_cli_resets_keep_the_history(d, migrated_db, admin):
    user = ptutil.make_user(migrated_db, "observer")
    why = field_problem(send(d, "PATCH", f"/api/v1/users/{user}", {"password": PASSWORD}, admin),
                        "password")
    assert "must differ" in why, why
    cp = ptutil.run_cli(["user", "passwd", user, "--password-stdin", "--database-url", migrated_db],
                        input=PASSWORD + "\n", expect_rc=1)
    assert "must differ" in cp.stderr, cp.stderr

    token = ptutil.bearer(ptutil.issue_token(migrated_db, user))
    cp = ptutil.run_cli(["user", "passwd", user, "--password-stdin", "--database-url", migrated_db],
                        input="Second passphrase here\n", expect_rc=0)
    assert "revoked 1 token" in cp.stdout, cp.stdout
    ptutil.assert_problem(get(d, "/api/v1/me", headers=token), 401)
    assert sign_in(d, user, "Second passphrase here").status == 201
    r = send(d, "PATCH", f"/api/v1/users/{user}", {"password": "Third passphrase here"}, admin)
    assert r.status == 200, r
    # Two changes later the first password is still in the last five.
    cp = ptutil.run_cli(["user", "passwd", user, "--password-stdin", "--database-url", migrated_db],
                        input=PASSWORD + "\n", expect_rc=1)
    assert "must differ" in cp.stderr, cp.stderr
    # With a history of 0 the check is off.
    ptutil.run_cli(["user", "passwd", user, "--password-stdin", "--database-url", migrated_db],
                   env={"POLICYTRACK_PASSWORD_HISTORY": "0"}, input=PASSWORD + "\n", expect_rc=0)
    history = ptutil.psql_value(ptutil.migrate_db_url(), f"""
        SELECT count(*) FROM password_history h JOIN users u ON u.id = h.user_id
        WHERE u.username = '{user}'""")
    assert int(history) == 3, history


def test_a_sign_in_rehash_is_not_a_new_password(d, migrated_db):
    import argon2  # python3-argon2, installed by the scripts
    user = ptutil.make_user(migrated_db, "observer")
    owner = ptutil.migrate_db_url()
    # A hash made with other parameters, as an older release made them; put in
    # by hand, as a password change (so it counts once in the history).
    weak = argon2.PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1,
                                 type=argon2.Type.ID).hash(PASSWORD)
    ptutil.psql(owner, f"UPDATE users SET password_hash = '{weak}' WHERE username = '{user}';"
                       f"UPDATE users SET password_changed_at = now() - interval '10 days' "
                       f"WHERE username = '{user}';")
    count = f"""SELECT count(h.id)::text || ' ' || (u.password_changed_at < now() - interval '9 days')::text
                FROM users u LEFT JOIN password_history h ON h.user_id = u.id
                WHERE u.username = '{user}' GROUP BY u.id"""
    assert ptutil.psql_value(owner, count) == "1 true"
    # The sign-in rehashes it with today's parameters: the same password, so
    # neither a new history entry nor a new age.
    assert sign_in(d, user).status == 201
    stored = ptutil.psql_value(owner, f"SELECT password_hash FROM users WHERE username = '{user}'")
    assert stored != weak
    assert ptutil.psql_value(owner, count) == "1 true"


# --------------------------------------------------------------------------
# Expiry: an expired password signs in only to change it


@pytest.mark.parametrize("role,scope", ROLES, ids=ROLE_IDS)
def test_an_expired_password_signs_in_only_to_change_it(d, migrated_db, role, scope):
    user = ptutil.make_user(migrated_db, role, **scope)
    automation = ptutil.bearer(ptutil.issue_token(migrated_db, user))
    owner_sql(f"UPDATE users SET password_changed_at = now() - interval '91 days' "
              f"WHERE username = '{user}'")
    r = sign_in(d, user)
    assert r.status == 201, r
    assert r.json()["password_expired"] is True, r.json()
    headers = ptutil.bearer(r.json()["token"])

    problem = ptutil.assert_problem(get(d, "/api/v1/tasks?limit=1", headers=headers), 403)
    assert problem["type"].endswith(":password-expired"), problem
    assert "PUT /api/v1/me/password" in problem["detail"], problem
    ptutil.assert_problem(get(d, "/api/v1/roles", headers=headers), 403)
    me = get(d, "/api/v1/me", headers=headers)
    assert me.status == 200 and me.json()["password"]["expired"] is True, me
    # An automation token is not a sign-in: an admin issued it with its own expiry.
    assert get(d, "/api/v1/roles", headers=automation).status == 200

    r = change(d, headers, PASSWORD, "Fresh passphrase 2026")
    assert r.status == 200, r
    assert get(d, "/api/v1/tasks?limit=1", headers=headers).status == 200
    me = get(d, "/api/v1/me", headers=headers).json()
    assert me["password"]["expired"] is False and me["password"]["expires_at"], me


def test_expiry_is_configurable_and_can_be_off(daemons, migrated_db):
    user = ptutil.make_user(migrated_db, "observer")
    owner_sql(f"UPDATE users SET password_changed_at = now() - interval '91 days' "
              f"WHERE username = '{user}'")
    off = daemons.start("--password-max-age-days", "0", database_url=migrated_db)
    r = sign_in(off, user)
    assert r.status == 201 and r.json()["password_expired"] is False, r
    headers = ptutil.bearer(r.json()["token"])
    assert get(off, "/api/v1/roles", headers=headers).status == 200
    assert get(off, "/api/v1/me", headers=headers).json()["password"]["expires_at"] is None
    longer = daemons.start("--password-max-age-days", "365", database_url=migrated_db)
    r = sign_in(longer, user)
    assert r.status == 201 and r.json()["password_expired"] is False, r


# --------------------------------------------------------------------------
# Sessions end after an idle time, checked by the server on each request


def test_an_idle_session_ends(daemons, migrated_db):
    short = daemons.start("--session-idle-s", "2", database_url=migrated_db)
    user = ptutil.make_user(migrated_db, "coordinator")
    automation = ptutil.bearer(ptutil.issue_token(migrated_db, user))
    r = sign_in(short, user)
    assert r.status == 201 and r.json()["idle_timeout_s"] == 2, r
    headers = ptutil.bearer(r.json()["token"])
    assert get(short, "/api/v1/me", headers=headers).json()["token"]["idle_timeout_s"] == 2
    # In use, it lasts beyond the idle time...
    for _ in range(4):
        time.sleep(0.8)
        assert get(short, "/api/v1/me", headers=headers).status == 200
    # ...and unused for longer, it ends, and stays ended.
    time.sleep(2.5)
    r = get(short, "/api/v1/me", headers=headers)
    problem = ptutil.assert_problem(r, 401)
    assert "without use" in problem["detail"], problem
    ptutil.assert_problem(get(short, "/api/v1/me", headers=headers), 401)
    revoked = ptutil.psql_value(ptutil.migrate_db_url(), f"""
        SELECT count(*) FROM tokens t JOIN users u ON u.id = t.user_id
        WHERE u.username = '{user}' AND t.kind = 'session' AND t.revoked_at IS NOT NULL""")
    assert revoked == "1", revoked
    # An automation token does not idle out.
    assert get(short, "/api/v1/me", headers=automation).status == 200
    assert sign_in(short, user).status == 201


def test_the_idle_time_is_configurable(daemons):
    cp = ptutil.run_daemon_once(["--session-idle-s", "-1"])
    assert cp.returncode == 2 and "--session-idle-s" in cp.stderr, cp.stderr


# --------------------------------------------------------------------------
# Sign-in records kept at least six months


def test_retention_below_six_months_is_refused(migrated_db):
    for value in ("0", "90", "179"):
        cp = ptutil.run_daemon_once(["--log-retention-days", value])
        assert cp.returncode == 2 and "six months" in cp.stderr, cp.stderr
    cp = ptutil.run_daemon_once([], env={"POLICYTRACK_LOG_RETENTION_DAYS": "30"})
    assert cp.returncode == 2 and "POLICYTRACK_LOG_RETENTION_DAYS" in cp.stderr, cp.stderr
    cp = ptutil.run_cli(["user", "list", "--database-url", migrated_db],
                        env={"POLICYTRACK_LOG_RETENTION_DAYS": "30"}, expect_rc=2)
    assert "six months" in cp.stderr, cp.stderr


def test_the_purge_never_deletes_inside_the_floor(migrated_db):
    """Even a session that sets a one-day retention (the daemon refuses that;
    the database does not trust it either) purges nothing younger than 180 days."""
    tag = "norms-" + secrets.token_hex(4)
    owner_sql(f"""
        INSERT INTO login_attempts (username, succeeded, at)
        SELECT '{tag}-' || g, g % 2 = 0, now() - interval '100 days' FROM generate_series(1, 20) g;
        INSERT INTO login_attempts (username, succeeded, at)
        SELECT '{tag}-old' || g, g % 2 = 0, now() - interval '400 days' FROM generate_series(1, 20) g;
    """)
    short = ptutil.conninfo_with(migrated_db, options="-c policytrack.log_retention_days=1")
    for _ in range(3):
        ptutil.psql(short, f"SELECT outcome FROM login_begin('nobody-{tag}', '127.9.9.9')")
    left = ptutil.psql_value(ptutil.migrate_db_url(), f"""
        SELECT count(*) FILTER (WHERE username NOT LIKE '%-old%')::text || ' '
               || count(*) FILTER (WHERE username LIKE '%-old%')::text
        FROM login_attempts WHERE username LIKE '{tag}-%'""")
    assert left == "20 0", left


# --------------------------------------------------------------------------
# 密级: the deployment is for non-classified work only


@pytest.fixture(scope="module")
def catalogue_db():
    with ptutil.fresh_database() as db:
        ptutil.migrate(db.owner_url, "--no-documents")
        yield db


@pytest.fixture(scope="module")
def cd(module_daemons, catalogue_db):
    return module_daemons.start(database_url=catalogue_db.app_url)


@pytest.fixture(scope="module")
def who(catalogue_db):
    out = {}
    for role, scope in ROLES:
        user = ptutil.make_user(catalogue_db.app_url, role, **scope)
        out[role] = ptutil.bearer(ptutil.issue_token(catalogue_db.app_url, user))
    return out


def example(level=None):
    doc = json.loads(EXAMPLE.read_text())
    doc["document"]["code"] = "example-" + secrets.token_hex(3)
    if level is not None:
        doc["document"]["classification"] = level
    return doc


def import_doc(d, headers, doc, dry_run=False):
    return send(d, "POST", "/api/v1/documents" + ("?dry_run=true" if dry_run else ""), doc, headers)


def classification_problem(r):
    problem = ptutil.assert_problem(r, 422)
    found = [p for p in problem.get("errors", []) if p.get("pointer") == "/document/classification"]
    assert found, problem
    return found[0]["detail"]


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_documents_carry_their_classification(cd, who, role):
    doc = example("internal")
    r = import_doc(cd, who[role], doc)
    assert r.status == 201, r
    code = doc["document"]["code"]
    for reader, _ in ROLES:
        got = get(cd, f"/api/v1/documents/{code}", headers=who[reader]).json()
        assert got["classification"] == "internal" and got["classification_zh"] == "内部", got
    listed = get(cd, "/api/v1/documents?limit=200", headers=who["observer"]).json()["items"]
    assert {x["code"]: x["classification"] for x in listed}[code] == "internal"
    exported = get(cd, f"/api/v1/documents/{code}/export", headers=who["observer"]).json()
    assert exported["document"]["classification"] == "internal", exported["document"]
    # No level: public (公开), as an unmarked document is.
    doc = example()
    assert import_doc(cd, who[role], doc).status == 201
    got = get(cd, f"/api/v1/documents/{doc['document']['code']}", headers=who["observer"]).json()
    assert got["classification"] == "public" and got["classification_zh"] == "公开", got


@pytest.mark.parametrize("level,label", [("secret", "秘密"), ("confidential", "机密"),
                                         ("top_secret", "绝密")])
@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_classified_documents_are_refused(cd, who, role, level, label):
    for dry_run in (True, False):
        doc = example(level)
        detail = classification_problem(import_doc(cd, who[role], doc, dry_run=dry_run))
        assert label in detail and "non-classified work only" in detail, detail
        ptutil.assert_problem(get(cd, f"/api/v1/documents/{doc['document']['code']}",
                                     headers=who["observer"]), 404)


def test_unknown_levels_and_other_roles_are_refused(cd, who):
    detail = classification_problem(import_doc(cd, who["coordinator"], example("restricted")))
    assert "公开" in detail and "绝密" in detail, detail
    classification_problem(import_doc(cd, who["coordinator"], example(3)))
    for role in ("agency", "province", "observer"):
        ptutil.assert_problem(import_doc(cd, who[role], example("public")), 403)


def test_a_public_only_deployment_refuses_internal(daemons, catalogue_db, who):
    public = daemons.start("--classification-max", "public", database_url=catalogue_db.app_url)
    detail = classification_problem(import_doc(public, who["coordinator"], example("internal")))
    assert "public documents only" in detail, detail
    assert import_doc(public, who["coordinator"], example("public")).status == 201
    assert get(public, "/api/v1/me", headers=who["observer"]).json()["classification_max"] == "public"
    cp = ptutil.run_daemon_once(["--classification-max", "secret"])
    assert cp.returncode == 2 and "non-classified work only" in cp.stderr, cp.stderr


def test_the_cli_import_applies_the_same_guard(catalogue_db, tmp_path):
    f = tmp_path / "doc.json"
    f.write_text(json.dumps(example("confidential"), ensure_ascii=False))
    cp = ptutil.run_cli(["import", "document", str(f), "--database-url", catalogue_db.app_url],
                        expect_rc=1)
    assert "/document/classification" in cp.stderr and "机密" in cp.stderr, cp.stderr
    f.write_text(json.dumps(example("internal"), ensure_ascii=False))
    cp = ptutil.run_cli(["import", "document", str(f), "--database-url", catalogue_db.app_url],
                        env={"POLICYTRACK_CLASSIFICATION_MAX": "public"}, expect_rc=1)
    assert "/document/classification" in cp.stderr, cp.stderr


def test_the_table_itself_refuses_classified_levels(catalogue_db):
    r = ptutil.psql(catalogue_db.owner_url,
                    "UPDATE documents SET classification = 'secret'", check=False)
    assert r.returncode != 0 and "documents_not_classified" in r.stderr, r.stderr

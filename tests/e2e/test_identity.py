"""Identity from the outside: sign-in, tokens and their failures, users and
their administration, throttling, and that hashing never stalls the loop."""

import json
import os
import re
import secrets
import threading
import time

import pytest

import ptutil

PASSWORD = ptutil.PASSWORD


@pytest.fixture(scope="module")
def d(module_daemons, migrated_db):
    return module_daemons.start(database_url=migrated_db)


@pytest.fixture(scope="module")
def admin(migrated_db):
    return ptutil.bearer(ptutil.issue_token(migrated_db, ptutil.make_user(migrated_db, "admin")))


def post_json(d, path, obj, headers=None):
    h = {"Content-Type": "application/json", **(headers or {})}
    return d.request("POST", path, headers=h, body=json.dumps(obj).encode())


def patch_json(d, path, obj, headers):
    h = {"Content-Type": "application/json", **headers}
    return d.request("PATCH", path, headers=h, body=json.dumps(obj).encode())


def sign_in(d, username, password=PASSWORD):
    return post_json(d, "/api/v1/sessions", {"username": username, "password": password})


def assert_unauthorized(r, invalid_token=True):
    ptutil.assert_problem(r, 401)
    challenge = r.header("WWW-Authenticate") or ""
    assert challenge.startswith("Bearer"), challenge
    assert ('error="invalid_token"' in challenge) == invalid_token, challenge


def test_sign_in_me_and_sign_out(d, migrated_db):
    user = ptutil.make_user(migrated_db, "agency", agency="moa", province="CN-LN")
    r = sign_in(d, user)
    assert r.status == 201, r
    assert r.header("Cache-Control") == "no-store"
    s = r.json()
    assert re.fullmatch(r"pt_[A-Za-z0-9_-]{43}", s["token"]) and s["token_type"] == "Bearer"
    assert s["user"] == {"username": user, "display_name": user, "role": "agency", "agency": "moa",
                         "province": "CN-LN"}
    me = d.get("/api/v1/me", headers=ptutil.bearer(s["token"]))
    assert me.status == 200, me
    body = me.json()
    assert body["role"] == "agency" and body["agency"] == "moa" and body["province"] == "CN-LN"
    assert body["token"]["kind"] == "session"
    assert "GET /api/v1/tasks" in body["permissions"] and "POST /api/v1/users" not in body["permissions"]
    out = d.request("DELETE", "/api/v1/sessions/current", headers=ptutil.bearer(s["token"]))
    assert out.status == 204, out
    assert_unauthorized(d.get("/api/v1/me", headers=ptutil.bearer(s["token"])))


def test_no_token_is_401_with_a_challenge(d):
    assert_unauthorized(d.get("/api/v1/measures"), invalid_token=False)


@pytest.mark.parametrize("header", [
    "Bearer abc",
    "Bearer pt_" + "A" * 43,                      # well-formed, never issued
    "Bearer pt_" + "A" * 42 + "!",
    "Basic dXNlcjpwYXNz",
    "Bearer",
    "bearer  pt_" + "A" * 43,
])
def test_malformed_and_forged_tokens_are_401(d, header):
    r = d.get("/api/v1/me", headers={"Authorization": header})
    ptutil.assert_problem(r, 401)


def test_expired_token_is_401(d, migrated_db):
    user = ptutil.make_user(migrated_db, "observer")
    token = ptutil.issue_token(migrated_db, user)
    assert d.get("/api/v1/me", headers=ptutil.bearer(token)).status == 200
    ptutil.psql(ptutil.migrate_db_url(),
                f"UPDATE tokens SET created_at = now() - interval '1 hour', "
                f"expires_at = now() - interval '1 minute' "
                f"WHERE user_id = (SELECT id FROM users WHERE username = '{user}');")
    assert_unauthorized(d.get("/api/v1/me", headers=ptutil.bearer(token)))


def test_wrong_password_and_unknown_user_look_the_same(d, migrated_db):
    user = ptutil.make_user(migrated_db, "observer")
    times = {"wrong": [], "unknown": []}
    bodies = {}
    for _ in range(3):
        for kind, name in (("wrong", user), ("unknown", "nobody-" + secrets.token_hex(4))):
            r = sign_in(d, name, "not the password at all")
            ptutil.assert_problem(r, 401)
            times[kind].append(r.elapsed)
            b = r.json()
            bodies[kind] = (b["type"], b["title"], b["detail"])
    assert bodies["wrong"] == bodies["unknown"]
    wrong, unknown = sorted(times["wrong"])[1], sorted(times["unknown"])[1]
    # Both run one argon2id verification (tens of milliseconds); neither is a shortcut.
    assert min(wrong, unknown) > 0.01, times
    assert max(wrong, unknown) / min(wrong, unknown) < 3, times


def test_throttling_after_five_failures(d, migrated_db):
    user = ptutil.make_user(migrated_db, "observer")
    _, before = d.metrics()
    for _ in range(5):
        ptutil.assert_problem(sign_in(d, user, "wrong password here"), 401)
    r = sign_in(d, user)  # even the right password, now
    ptutil.assert_problem(r, 429)
    assert int(r.header("Retry-After")) > 0
    _, after = d.metrics()

    def logins(samples, result):
        return sum(v for n, l, v in samples if n == "policytrack_logins_total" and l.get("result") == result)

    assert logins(after, "failure") - logins(before, "failure") >= 5
    assert logins(after, "throttled") - logins(before, "throttled") >= 1
    other = ptutil.make_user(migrated_db, "observer")
    assert sign_in(d, other).status == 201, "throttling one username must not lock out another"


def test_disabled_user_is_locked_out(d, migrated_db, admin):
    user = ptutil.make_user(migrated_db, "observer")
    token = ptutil.issue_token(migrated_db, user)
    r = patch_json(d, f"/api/v1/users/{user}", {"disabled": True}, admin)
    assert r.status == 200, r
    assert r.json()["disabled"] is True and r.json()["tokens_revoked"] >= 1
    assert_unauthorized(d.get("/api/v1/me", headers=ptutil.bearer(token)))
    ptutil.assert_problem(sign_in(d, user), 401)


def test_cli_disable_revokes_tokens(d, migrated_db):
    user = ptutil.make_user(migrated_db, "observer")
    token = ptutil.issue_token(migrated_db, user)
    cp = ptutil.run_cli(["user", "disable", user, "--database-url", migrated_db], expect_rc=0)
    assert "revoked 1" in cp.stdout
    assert_unauthorized(d.get("/api/v1/me", headers=ptutil.bearer(token)))


def test_admin_creates_and_changes_users(d, migrated_db, admin):
    name = "prov-" + secrets.token_hex(4)
    r = post_json(d, "/api/v1/users", {"username": name, "display_name": "吉林省知识产权局",
                                        "role": "province", "province": "CN-JL",
                                        "password": PASSWORD}, admin)
    assert r.status == 201, r
    assert r.header("Location") == f"/api/v1/users/{name}"
    assert r.json()["province"] == "CN-JL" and r.json()["display_name"] == "吉林省知识产权局"
    ptutil.assert_problem(post_json(d, "/api/v1/users", {"username": name, "display_name": "x", "role": "observer",
                                                          "password": PASSWORD}, admin), 409)
    s = sign_in(d, name)
    assert s.status == 201
    token = s.json()["token"]
    # A change of role revokes the user's tokens.
    r = patch_json(d, f"/api/v1/users/{name}", {"role": "observer", "province": None}, admin)
    assert r.status == 200, r
    assert r.json()["role"] == "observer" and r.json()["tokens_revoked"] == 1
    assert_unauthorized(d.get("/api/v1/me", headers=ptutil.bearer(token)))
    assert d.get(f"/api/v1/users/{name}", headers=admin).json()["role"] == "observer"
    listed = d.get("/api/v1/users?limit=200", headers=admin).json()["items"]
    assert name in [u["username"] for u in listed]


@pytest.mark.parametrize("body,field", [
    ({"username": "ab", "display_name": "x", "role": "observer", "password": PASSWORD}, "username"),
    ({"username": "Upper", "display_name": "x", "role": "observer", "password": PASSWORD}, "username"),
    ({"username": "okname", "display_name": "x", "role": "boss", "password": PASSWORD}, "role"),
    ({"username": "okname", "display_name": "x", "role": "agency", "password": PASSWORD}, "agency"),
    ({"username": "okname", "display_name": "x", "role": "province", "password": PASSWORD}, "province"),
    ({"username": "okname", "display_name": "x", "role": "observer", "agency": "sipo", "password": PASSWORD}, "agency"),
    ({"username": "okname", "display_name": "x", "role": "agency", "agency": "xyz", "password": PASSWORD}, "agency"),
    ({"username": "okname", "display_name": "x", "role": "province", "province": "CN-XX", "password": PASSWORD}, "province"),
    ({"username": "okname", "display_name": "x", "role": "observer", "password": "short"}, "password"),
    ({"username": "okname", "display_name": "x", "role": "observer"}, "password"),
    ({"username": "okname", "display_name": "x", "role": "observer", "password": PASSWORD, "admin": True}, "admin"),
    ({"username": 7, "display_name": "x", "role": "observer", "password": PASSWORD}, "username"),
])
def test_bad_user_bodies_are_400_naming_the_field(d, admin, body, field):
    r = post_json(d, "/api/v1/users", body, admin)
    problem = ptutil.assert_problem(r, 400)
    assert field in problem.get("errors", {}), problem


@pytest.mark.parametrize("raw,ctype", [
    (b'{"username": "a", "username": "b", "password": "x"}', "application/json"),
    (b'{"username": "a", "password": 1e400}', "application/json"),
    (b'{"username": "a\xff", "password": "x"}', "application/json"),
    (b'[1, 2]', "application/json"),
    (b'{"username": "a"} trailing', "application/json"),
    (b'{' * 40 + b'}' * 40, "application/json"),
    (b'', "application/json"),
])
def test_malformed_bodies_are_400(d, raw, ctype):
    r = d.request("POST", "/api/v1/sessions", headers={"Content-Type": ctype}, body=raw)
    ptutil.assert_problem(r, 400)


def test_wrong_content_type_is_415(d):
    r = d.request("POST", "/api/v1/sessions", headers={"Content-Type": "text/plain"},
                  body=b'{"username": "a", "password": "b"}')
    ptutil.assert_problem(r, 415)


def test_automation_tokens_from_the_api(d, migrated_db, admin):
    user = ptutil.make_user(migrated_db, "coordinator")
    r = post_json(d, f"/api/v1/users/{user}/tokens", {"ttl_days": 7, "label": "nightly"}, admin)
    assert r.status == 201, r
    t = r.json()
    assert t["kind"] == "automation" and t["label"] == "nightly"
    me = d.get("/api/v1/me", headers=ptutil.bearer(t["token"])).json()
    assert me["username"] == user and me["token"]["kind"] == "automation"
    ptutil.assert_problem(post_json(d, "/api/v1/users/nobody-here/tokens", {}, admin), 404)
    ptutil.assert_problem(post_json(d, f"/api/v1/users/{user}/tokens", {"ttl_days": 999}, admin), 400)


def test_hashes_never_leave_the_server(d, migrated_db, admin):
    user = ptutil.make_user(migrated_db, "observer")
    token = sign_in(d, user).json()["token"]
    bodies = [
        d.get("/api/v1/users?limit=200", headers=admin).body,
        d.get(f"/api/v1/users/{user}", headers=admin).body,
        d.get("/api/v1/me", headers=ptutil.bearer(token)).body,
        patch_json(d, f"/api/v1/users/{user}", {"display_name": "renamed"}, admin).body,
    ]
    stored = ptutil.psql_value(ptutil.migrate_db_url(),
                               "SELECT string_agg(token_hash, ' ') FROM tokens").split()
    for body in bodies:
        text = body.decode()
        assert "$argon2id$" not in text and "password" not in text
        assert not any(h in text for h in stored)


def test_cli_user_errors(migrated_db):
    cp = ptutil.run_cli(["user", "add", "someone", "--role", "emperor", "--password-stdin",
                         "--database-url", migrated_db], input=PASSWORD + "\n", expect_rc=2)
    assert "role" in cp.stderr
    cp = ptutil.run_cli(["user", "add", "someone", "--role", "agency", "--agency", "xyz", "--password-stdin",
                         "--database-url", migrated_db], input=PASSWORD + "\n", expect_rc=1)
    assert "no such agency" in cp.stderr
    name = ptutil.make_user(migrated_db, "observer")
    cp = ptutil.run_cli(["user", "add", name, "--role", "observer", "--password-stdin",
                         "--database-url", migrated_db], input=PASSWORD + "\n", expect_rc=1)
    assert "taken" in cp.stderr
    listing = ptutil.run_cli(["user", "list", "--database-url", migrated_db], expect_rc=0).stdout
    assert name in listing
    cp = ptutil.run_cli(["token", "issue", name, "--ttl", "2y", "--database-url", migrated_db], expect_rc=2)
    assert "--ttl" in cp.stderr


def test_sign_ins_do_not_stall_the_loop(d, migrated_db):
    user = ptutil.make_user(migrated_db, "observer")
    results = []

    def login():
        results.append(sign_in(d, user, PASSWORD if len(results) % 2 else "a wrong password").status)

    threads = [threading.Thread(target=login) for _ in range(20)]
    for t in threads:
        t.start()
    slowest = 0.0
    while any(t.is_alive() for t in threads):
        r = d.get("/healthz")
        assert r.status == 200
        slowest = max(slowest, r.elapsed)
        time.sleep(0.01)
    for t in threads:
        t.join()
    assert len(results) == 20
    assert slowest < 0.2, f"/healthz took {slowest:.3f}s while 20 sign-ins were hashed"


def test_hashing_threads_yield_the_cpu_to_the_loop(d):
    """argon2id runs at nice 19 so a sign-in storm cannot starve the event loop."""
    pid = d.proc.pid
    nice = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        nice[int(tid)] = int(fields[16])  # field 19 of stat(5), counted after "(comm)"
    assert nice[pid] == 0, "the loop thread keeps the normal priority"
    assert list(nice.values()).count(19) >= 2, nice


def test_weaker_hash_is_replaced_on_sign_in(d, migrated_db):
    import argon2  # python3-argon2, installed by the scripts
    user = ptutil.make_user(migrated_db, "observer")
    weak = argon2.PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1,
                                 type=argon2.Type.ID).hash(PASSWORD)
    owner = ptutil.migrate_db_url()
    ptutil.psql(owner, f"UPDATE users SET password_hash = '{weak}' WHERE username = '{user}';")
    assert sign_in(d, user).status == 201
    stored = ptutil.psql_value(owner, f"SELECT password_hash FROM users WHERE username = '{user}'")
    assert stored != weak and stored.startswith("$argon2id$v=19$m=65536,t=2,p=1$"), stored
    assert sign_in(d, user).status == 201, "the new hash must verify the same password"


def test_parallel_guesses_cannot_slip_under_the_limit(d, migrated_db):
    user = ptutil.make_user(migrated_db, "observer")
    statuses = []

    def guess():
        statuses.append(sign_in(d, user, "a wrong password, in parallel").status)

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses.count(401) <= 5 and statuses.count(429) >= 15, statuses


def test_a_body_with_very_many_keys_is_refused_fast(d):
    body = "{" + ",".join(f'"k{i}":0' for i in range(60000)) + "}"
    r = d.request("POST", "/api/v1/sessions", headers={"Content-Type": "application/json"},
                  body=body.encode(), timeout=10)
    ptutil.assert_problem(r, 400)
    assert r.elapsed < 1.0, f"{r.elapsed:.2f}s to refuse a 60,000-key body"
    assert d.get("/healthz").elapsed < 0.5

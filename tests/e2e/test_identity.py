"""Identity from the outside: sign-in, tokens and their failures, users and
their administration, throttling, and that hashing never stalls the loop."""

import json
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


def sign_in(d, username, password=PASSWORD, source=None, timeout=5.0):
    """Signs in from source (a 127.0.0.0/8 address; default 127.0.0.1). A
    test that fails sign-ins does so from an address of its own: failures
    from one address are limited (20 in 15 minutes), and the suite runs
    twice against one database."""
    return d.request("POST", "/api/v1/sessions", headers={"Content-Type": "application/json"},
                     body=json.dumps({"username": username, "password": password}).encode(),
                     source=source, timeout=timeout)


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
    # The change reaches the daemon's identity cache through the change feed
    # (LISTEN/NOTIFY), a moment after psql's commit: wait for it, bounded.
    ptutil.wait_for(lambda: d.get("/api/v1/me", headers=ptutil.bearer(token)).status == 401,
                    5.0, "the expired token being refused")
    assert_unauthorized(d.get("/api/v1/me", headers=ptutil.bearer(token)))


def test_wrong_password_and_unknown_user_look_the_same(d, migrated_db):
    user = ptutil.make_user(migrated_db, "observer")
    src = ptutil.loopback_address()
    times = {"wrong": [], "unknown": []}
    bodies = {}
    for _ in range(3):
        for kind, name in (("wrong", user), ("unknown", "nobody-" + secrets.token_hex(4))):
            r = sign_in(d, name, "not the password at all", source=src)
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
    src = ptutil.loopback_address()
    _, before = d.metrics()
    for _ in range(5):
        ptutil.assert_problem(sign_in(d, user, "wrong password here", source=src), 401)
    r = sign_in(d, user, source=src)  # even the right password, now
    ptutil.assert_problem(r, 429)
    assert int(r.header("Retry-After")) > 0
    _, after = d.metrics()

    def logins(samples, result):
        return sum(v for n, l, v in samples if n == "policytrack_logins_total" and l.get("result") == result)

    assert logins(after, "failure") - logins(before, "failure") >= 5
    assert logins(after, "throttled") - logins(before, "throttled") >= 1
    other = ptutil.make_user(migrated_db, "observer")
    assert sign_in(d, other, source=src).status == 201, "throttling one username must not lock out another"


def test_disabled_user_is_locked_out(d, migrated_db, admin):
    user = ptutil.make_user(migrated_db, "observer")
    token = ptutil.issue_token(migrated_db, user)
    r = patch_json(d, f"/api/v1/users/{user}", {"disabled": True}, admin)
    assert r.status == 200, r
    assert r.json()["disabled"] is True and r.json()["tokens_revoked"] >= 1
    assert_unauthorized(d.get("/api/v1/me", headers=ptutil.bearer(token)))
    ptutil.assert_problem(sign_in(d, user, source=ptutil.loopback_address()), 401)


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
    listed, path = [], "/api/v1/users?limit=200"
    while path:  # the shared database holds every module's users: all pages
        page = d.get(path, headers=admin).json()
        listed += [u["username"] for u in page["items"]]
        path = page["next"]
    assert name in listed


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
        assert "$argon2id$" not in text and "password_hash" not in text  # "password" names a route now
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
    src = ptutil.loopback_address()
    results = []

    def login():
        # A sign-in may wait for the checks under way of its username (sign_in_busy).
        results.append(sign_in(d, user, PASSWORD if len(results) % 2 else "a wrong password",
                               source=src, timeout=60).status)

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
    src = ptutil.loopback_address()
    statuses = []

    def guess():
        # The guesses beyond the limit wait for the checks under way, then are refused.
        statuses.append(sign_in(d, user, "a wrong password, in parallel", source=src, timeout=60).status)

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses.count(401) <= 5 and statuses.count(429) >= 15, statuses


def test_parallel_correct_sign_ins_are_not_locked_out(d, migrated_db):
    """A service account's jobs signing in at once with the right password:
    a sign-in being checked is not a failure, so none is throttled (issue 21,
    item 1: 5 x 201 and 15 x 429 'too many failed sign-ins' before)."""
    user = ptutil.make_user(migrated_db, "observer")
    src = ptutil.loopback_address()
    statuses = []

    def sign():
        # 20 hashes on --hash-threads 2 take a while: wait for all of them.
        statuses.append(sign_in(d, user, source=src, timeout=60).status)

    threads = [threading.Thread(target=sign) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [201] * 20, statuses
    # And they are successes: five wrong guesses still close the address.
    for _ in range(5):
        ptutil.assert_problem(sign_in(d, user, "wrong password here", source=src), 401)
    ptutil.assert_problem(sign_in(d, user, source=src), 429)


def test_a_body_with_very_many_keys_is_refused_fast(d):
    body = "{" + ",".join(f'"k{i}":0' for i in range(60000)) + "}"
    r = d.request("POST", "/api/v1/sessions", headers={"Content-Type": "application/json"},
                  body=body.encode(), timeout=10)
    ptutil.assert_problem(r, 400)
    assert r.elapsed < 1.0, f"{r.elapsed:.2f}s to refuse a 60,000-key body"
    assert d.get("/healthz").elapsed < 0.5


def test_one_address_spraying_usernames_is_throttled(d, migrated_db):
    """One client guessing one password for many usernames meets 429 after
    20 failures from its address, whatever the usernames; another client is
    not affected."""
    src = ptutil.loopback_address()
    statuses = []
    for i in range(30):
        r = sign_in(d, f"spray-{secrets.token_hex(4)}-{i}", "Winter2017!Winter2017!", source=src)
        statuses.append(r.status)
        if r.status == 429:
            problem = ptutil.assert_problem(r, 429)
            assert int(r.header("Retry-After")) > 0
            assert "address" in problem["detail"], problem
            break
    assert statuses[:20] == [401] * 20 and statuses[-1] == 429, statuses
    # Even a real account is refused from that address while it sprays...
    user = ptutil.make_user(migrated_db, "observer")
    ptutil.assert_problem(sign_in(d, user, source=src), 429)
    # ... but not from anywhere else.
    assert sign_in(d, user, source=ptutil.loopback_address()).status == 201


def test_an_attacker_cannot_lock_out_a_user_signing_in_elsewhere(d, migrated_db):
    user = ptutil.make_user(migrated_db, "admin")
    attacker, owner = ptutil.loopback_address(), ptutil.loopback_address()
    for _ in range(5):
        ptutil.assert_problem(sign_in(d, user, "not the password", source=attacker), 401)
    for _ in range(3):
        ptutil.assert_problem(sign_in(d, user, source=attacker), 429)
    r = sign_in(d, user, source=owner)
    assert r.status == 201, f"five guesses from one address locked {user} out everywhere: {r!r}"


def test_guesses_from_many_addresses_are_bounded_but_spare_known_ones(d, migrated_db):
    """A guesser with many addresses meets the account's own limit (50
    failures in the window); the user's own address, where they signed in
    before, still gets in."""
    user = ptutil.make_user(migrated_db, "coordinator")
    home = ptutil.loopback_address()
    assert sign_in(d, user, source=home).status == 201
    statuses = [sign_in(d, user, "a guess", source=ptutil.loopback_address()).status for _ in range(50)]
    assert statuses == [401] * 50, statuses
    r = sign_in(d, user, "a guess", source=ptutil.loopback_address())
    problem = ptutil.assert_problem(r, 429)
    assert "account" in problem["detail"] or "username" in problem["detail"], problem
    assert sign_in(d, user, source=home).status == 201, "the user's known address was locked out"


def test_login_attempts_stay_bounded(d, migrated_db):
    """Old rows go as new ones come, as part of each sign-in, but only once
    they are older than the retention of sign-in records (--log-retention-days,
    180 by default: docs/security.md); younger ones stay, whatever the
    throttle's windows."""
    owner = ptutil.migrate_db_url()
    tag = "old-" + secrets.token_hex(4)
    ptutil.psql(owner, f"""
        INSERT INTO login_attempts (username, succeeded, at)
        SELECT '{tag}-f' || g, false, now() - interval '181 days' - g * interval '1 second'
        FROM generate_series(1, 300) g;
        INSERT INTO login_attempts (username, succeeded, at)
        SELECT '{tag}-s' || g, true, now() - interval '181 days' - g * interval '1 second'
        FROM generate_series(1, 300) g;
        INSERT INTO login_attempts (username, succeeded, at)
        SELECT '{tag}-kept' || g, g % 2 = 0, now() - interval '179 days'
        FROM generate_series(1, 10) g;
    """)
    src = ptutil.loopback_address()
    for i in range(8):
        sign_in(d, f"nobody-{secrets.token_hex(4)}", "a wrong password", source=src)
    left = ptutil.psql_value(owner, f"SELECT count(*) FROM login_attempts WHERE username LIKE '{tag}-%'")
    assert int(left) == 10, f"{left} rows: those older than the retention must go, the 10 younger stay"


def test_patch_counts_tokens_after_revoking_them(d, migrated_db, admin):
    user = ptutil.make_user(migrated_db, "observer")
    ptutil.issue_token(migrated_db, user)
    r = patch_json(d, f"/api/v1/users/{user}", {"disabled": True}, admin)
    assert r.status == 200, r
    body = r.json()
    assert (body["tokens_revoked"], body["active_tokens"]) == (1, 0), body
    assert d.get(f"/api/v1/users/{user}", headers=admin).json()["active_tokens"] == 0


def test_two_authorization_headers_are_400(d, migrated_db):
    token = ptutil.issue_token(migrated_db, ptutil.make_user(migrated_db, "observer"))
    for second in (f"Bearer {token}", "Bearer pt_" + "A" * 43):
        req = (f"GET /api/v1/me HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {token}\r\n"
               f"Authorization: {second}\r\nConnection: close\r\n\r\n").encode()
        r, _ = ptutil.raw_exchange(d.port, req)
        problem = ptutil.assert_problem(r, 400)
        assert "Authorization" in problem["detail"], problem


# -- the last admin


@pytest.fixture
def lone_admin(daemons, fresh_db):
    """A database whose only admin is `root`, a daemon on it and root's token."""
    ptutil.migrate(fresh_db.owner_url, "--no-documents")
    ptutil.make_user(fresh_db.app_url, "admin", username="root")
    token = ptutil.bearer(ptutil.issue_token(fresh_db.app_url, "root"))
    d = daemons.start(database_url=fresh_db.app_url)
    return fresh_db, d, token


@pytest.mark.parametrize("change", [{"disabled": True}, {"role": "observer"}])
def test_the_last_admin_cannot_disable_or_demote_itself(lone_admin, change):
    db, d, root = lone_admin
    r = patch_json(d, "/api/v1/users/root", change, root)
    problem = ptutil.assert_problem(r, 409)
    assert problem["reason"] == "last_admin" and "admin" in problem["detail"], problem
    me = d.get("/api/v1/me", headers=root)
    assert me.status == 200 and me.json()["role"] == "admin", "the refused change was applied"
    # With a second admin, the first may step down.
    ptutil.make_user(db.app_url, "admin", username="deputy")
    r = patch_json(d, "/api/v1/users/root", change, root)
    assert r.status == 200, r
    deputy = ptutil.bearer(ptutil.issue_token(db.app_url, "deputy"))
    ptutil.assert_problem(patch_json(d, "/api/v1/users/deputy", change, deputy), 409)


def test_the_cli_cannot_disable_the_last_admin_and_enables_users(lone_admin):
    db, d, root = lone_admin
    cp = ptutil.run_cli(["user", "disable", "root", "--database-url", db.app_url], expect_rc=1)
    assert "last" in cp.stderr and "admin" in cp.stderr and cp.stderr.endswith("\n"), cp.stderr
    assert d.get("/api/v1/me", headers=root).status == 200
    user = ptutil.make_user(db.app_url, "observer")
    ptutil.run_cli(["user", "disable", user, "--database-url", db.app_url], expect_rc=0)
    ptutil.assert_problem(sign_in(d, user), 401)
    cp = ptutil.run_cli(["user", "enable", user, "--database-url", db.app_url], expect_rc=0)
    assert f"enabled user {user}" in cp.stdout, cp.stdout
    assert sign_in(d, user).status == 201
    cp = ptutil.run_cli(["user", "enable", "nobody-here", "--database-url", db.app_url], expect_rc=1)
    assert "nobody-here" in cp.stderr


def test_every_token_command_error_is_a_whole_line(migrated_db):
    """Each way `policytrack token` can fail says so in lines ending with a
    newline, so the shell prompt does not run on after the message."""
    disabled = ptutil.make_user(migrated_db, "observer")
    ptutil.run_cli(["user", "disable", disabled, "--database-url", migrated_db], expect_rc=0)
    cases = [
        (["token"], 2),
        (["token", "revoke", "x"], 2),
        (["token", "issue"], 2),
        (["token", "issue", "nobody-" + secrets.token_hex(3), "--database-url", migrated_db], 1),
        (["token", "issue", disabled, "--database-url", migrated_db], 1),
        (["token", "issue", disabled, "--ttl", "2y", "--database-url", migrated_db], 2),
        (["token", "issue", disabled, "--ttl"], 2),
        (["token", "issue", disabled, "--database-url", "host=/nonexistent-dir"], 1),
        (["token", "issue", disabled, "--database-url", "not a conninfo"], 1),
        (["token", "issue", disabled], 2),
    ]
    for args, rc in cases:
        cp = ptutil.run_cli(args, expect_rc=rc)
        assert cp.stderr and cp.stderr.endswith("\n") and not cp.stderr.endswith("\n\n"), (args, cp.stderr)
        assert cp.stdout == "", (args, cp.stdout)

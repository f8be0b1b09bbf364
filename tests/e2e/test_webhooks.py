"""Webhooks from the outside (issue 19, item 3): admins register endpoints for
event types; a task's change reaches them through the outbox, signed
(X-Policytrack-Signature over the timestamp and the body) with a delivery id
that stays the same across retries; a target answering 500 is retried with
backoff, one that hangs does not slow the API, a redirect is a failure, an
unreachable one is retried and then parked, and an admin can replay it; the
DingTalk and WeCom robot formats (with DingTalk's own signature); the daily
reminders, enqueued once however many daemons run; /metrics counts it all.

Every target is a small http.server of the test's own on 127.0.0.1; nothing
is sent anywhere else. The tasks changed are NDRC's, which no other module
changes."""

import base64
import hashlib
import hmac
import http.server
import json
import ssl
import subprocess
import threading
import time
import urllib.parse

import pytest

import ptutil

# Fast enough for a test: a 100 ms first retry, three attempts, half a second per attempt.
FAST = ["--webhook-poll-ms", "50", "--webhook-retry-base-ms", "100", "--webhook-max-attempts", "3",
        "--webhook-timeout-ms", "500"]
# The module's daemon must not run the daily reminders (the reminders test runs its own).
NO_REMINDERS = ["--webhook-reminder-time", "23:59"]


class Receiver:
    """An HTTP server on 127.0.0.1 recording every request; how it answers a
    path is the test's to say (self.behaviour[path] -> callable(request))."""

    def __init__(self, tls=None):
        self.requests = []
        self.lock = threading.Lock()
        self.behaviour = {}
        self.release = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                parsed = urllib.parse.urlsplit(self.path)
                rec = {"path": parsed.path, "query": urllib.parse.parse_qs(parsed.query),
                       "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body,
                       "at": time.monotonic()}
                with receiver.lock:
                    receiver.requests.append(rec)
                    count = sum(1 for r in receiver.requests
                                if r["headers"].get("x-policytrack-delivery") == rec["headers"].get("x-policytrack-delivery"))
                rec["nth"] = count
                status, headers, answer = receiver.behaviour.get(parsed.path, lambda r: (200, {}, b"ok"))(rec)
                if status is None:  # hang: answer nothing until released
                    receiver.release.wait(10)
                    return
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(answer)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(answer)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls:  # (certificate, key): serve https
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.scheme = "https" if tls else "http"
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def at(self, path):
        with self.lock:
            return [r for r in self.requests if r["path"] == path]

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    """Two self-signed certificates the daemons trust (SSL_CERT_FILE): one naming 127.0.0.1,
    one naming another host."""
    tmp = tmp_path_factory.mktemp("tls")
    good = certificate(tmp, "good", "IP:127.0.0.1")
    wrong = certificate(tmp, "wrong", "DNS:elsewhere.example")
    bundle = tmp / "trusted.pem"
    bundle.write_text(open(good[0]).read() + open(wrong[0]).read())
    return {"good": good, "wrong": wrong, "env": {"SSL_CERT_FILE": str(bundle)}}


@pytest.fixture(scope="module")
def d(module_daemons, migrated_db, certs):
    return module_daemons.start(*FAST, *NO_REMINDERS, database_url=migrated_db, env=certs["env"])


@pytest.fixture(scope="module")
def who(migrated_db):
    specs = {"admin": ("admin", {}), "coord": ("coordinator", {}), "obs": ("observer", {}),
             "ndrc": ("agency", {"agency": "ndrc"})}
    out = {}
    for name, (role, scope) in specs.items():
        user = ptutil.make_user(migrated_db, role, **scope)
        out[name] = {"headers": ptutil.bearer(ptutil.issue_token(migrated_db, user)), "username": user}
    return out


@pytest.fixture(scope="module", autouse=True)
def cleanup(d, who):
    """The webhooks made here go at the end, so other modules' events are sent nowhere."""
    yield
    page = send(d, who, "admin", "GET", "/api/v1/webhooks?limit=200").json()
    for w in page["items"]:
        send(d, who, "admin", "DELETE", f"/api/v1/webhooks/{w['id']}")


@pytest.fixture(scope="module")
def tasks(d, who):
    ids, path = [], "/api/v1/tasks?agency=ndrc&limit=200"
    while path:
        page = d.get(path, headers=who["obs"]["headers"]).json()
        ids += [t["id"] for t in page["items"] if t["work_items"] == 0]
        path = page["next"]
    return iter(ids)


def send(d, who, name, method, path, body=None, raw=None):
    headers = {"Content-Type": "application/json", **who[name]["headers"]} if name else {}
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    return d.request(method, path, headers=headers, body=data)


def register(d, who, **fields):
    body = {"name": "test", "format": "json", "events": ["task.*"], "agency": "ndrc", **fields}
    r = send(d, who, "admin", "POST", "/api/v1/webhooks", body)
    assert r.status == 201, r
    return r.json()


def touch(d, who, task, note, change=None, by="ndrc"):
    """One change of an NDRC task (its note, or change): one task event."""
    r = d.get(f"/api/v1/tasks/{task}", headers=who[by]["headers"])
    assert r.status == 200, r
    headers = {"Content-Type": "application/json", "If-Match": r.header("ETag"), **who[by]["headers"]}
    r = d.request("PATCH", f"/api/v1/tasks/{task}", headers=headers, body=json.dumps(change or {"note": note}).encode())
    assert r.status == 200, r
    return r.json()


def deliveries(d, who, hook, query=""):
    r = send(d, who, "admin", "GET", f"/api/v1/webhooks/{hook}/deliveries?limit=200{query}")
    assert r.status == 200, r
    return r.json()["items"]


def signed(rec, secret):
    """Whether the request carries a valid X-Policytrack-Signature."""
    stamp = rec["headers"]["x-policytrack-timestamp"]
    mac = hmac.new(secret.encode(), stamp.encode() + b"." + rec["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(rec["headers"]["x-policytrack-signature"], "sha256=" + mac)


def test_registering_shows_the_secret_once_to_admins_only(d, who, receiver):
    w = register(d, who, url=receiver.url("/none"), name="审计组")
    assert w["secret"].startswith("whsec_") and len(w["secret"]) == 70
    assert w["events"] == ["task.*"] and w["agency"] == "ndrc" and w["enabled"] is True
    got = send(d, who, "admin", "GET", f"/api/v1/webhooks/{w['id']}")
    assert got.status == 200 and "secret" not in got.json() and got.json()["name"] == "审计组"
    assert all("secret" not in x for x in send(d, who, "admin", "GET", "/api/v1/webhooks").json()["items"])
    for name in ("coord", "obs", "ndrc"):
        for method, path in (("GET", "/api/v1/webhooks"), ("POST", "/api/v1/webhooks"),
                             ("GET", f"/api/v1/webhooks/{w['id']}"),
                             ("GET", f"/api/v1/webhooks/{w['id']}/deliveries"),
                             ("POST", f"/api/v1/webhooks/{w['id']}/ping"),
                             ("DELETE", f"/api/v1/webhooks/{w['id']}")):
            ptutil.assert_problem(send(d, who, name, method, path, {}), 403)
    ptutil.assert_problem(d.get("/api/v1/webhooks"), 401)
    # Rotating gives a new secret, once.
    r = send(d, who, "admin", "PATCH", f"/api/v1/webhooks/{w['id']}", {"rotate_secret": True})
    assert r.status == 200 and r.json()["secret"] != w["secret"], r
    assert send(d, who, "admin", "DELETE", f"/api/v1/webhooks/{w['id']}").status == 204
    ptutil.assert_problem(send(d, who, "admin", "GET", f"/api/v1/webhooks/{w['id']}"), 404)


@pytest.mark.parametrize("body,field", [
    ({"name": "x", "url": "ftp://127.0.0.1/x", "events": ["task.*"]}, "url"),
    ({"name": "x", "url": "http://u:p@127.0.0.1/x", "events": ["task.*"]}, "url"),
    ({"name": "x", "url": "not a url", "events": ["task.*"]}, "url"),
    ({"name": "x", "url": "http://127.0.0.1/x", "events": []}, "events"),
    ({"name": "x", "url": "http://127.0.0.1/x", "events": "task.*"}, "events"),
    ({"name": "x", "url": "http://127.0.0.1/x", "events": ["Task.*"]}, "events"),
    ({"name": "x", "url": "http://127.0.0.1/x", "events": ["task.**"]}, "events"),
    ({"name": "x", "url": "http://127.0.0.1/x", "events": [1]}, "events"),
    ({"name": "x", "url": "http://127.0.0.1/x", "events": ["task.*"], "format": "slack"}, "format"),
    ({"name": "x", "url": "http://127.0.0.1/x", "events": ["task.*"], "agency": "xyz"}, "agency"),
    ({"name": "x", "url": "http://127.0.0.1/x", "events": ["task.*"], "province": "CN-XX"}, "province"),
    ({"name": "x", "url": "http://127.0.0.1/x", "events": ["task.*"], "agency": "ndrc", "province": "CN-LN"},
     "province"),
    ({"name": "", "url": "http://127.0.0.1/x", "events": ["task.*"]}, "name"),
    ({"url": "http://127.0.0.1/x", "events": ["task.*"]}, "name"),
    ({"name": "x", "url": "http://127.0.0.1/x", "events": ["task.*"], "secret": "mine"}, "secret"),
    ({"name": "x", "url": "http://127.0.0.1/x", "events": ["task.*"], "rotate_secret": True}, "rotate_secret"),
])
def test_bad_input_is_a_problem_and_registers_nothing(d, who, body, field):
    before = len(send(d, who, "admin", "GET", "/api/v1/webhooks?limit=200").json()["items"])
    p = ptutil.assert_problem(send(d, who, "admin", "POST", "/api/v1/webhooks", body), 400)
    assert field in p.get("errors", {}), p
    assert len(send(d, who, "admin", "GET", "/api/v1/webhooks?limit=200").json()["items"]) == before


def test_bad_paths_and_queries_are_problems(d, who, receiver):
    w = register(d, who, url=receiver.url("/none"))
    ptutil.assert_problem(send(d, who, "admin", "GET", "/api/v1/webhooks/999999999"), 404)
    ptutil.assert_problem(send(d, who, "admin", "GET", "/api/v1/webhooks/abc"), 404)
    ptutil.assert_problem(send(d, who, "admin", "GET", "/api/v1/webhooks/999999999/deliveries"), 404)
    ptutil.assert_problem(send(d, who, "admin", "POST", "/api/v1/webhooks/999999999/ping"), 404)
    ptutil.assert_problem(send(d, who, "admin", "DELETE", "/api/v1/webhooks/999999999"), 404)
    ptutil.assert_problem(send(d, who, "admin", "POST", f"/api/v1/webhooks/{w['id']}/deliveries/999999999/replay"), 404)
    p = ptutil.assert_problem(send(d, who, "admin", "GET", f"/api/v1/webhooks/{w['id']}/deliveries?state=lost"), 400)
    assert "state" in p["errors"], p
    p = ptutil.assert_problem(send(d, who, "admin", "PATCH", f"/api/v1/webhooks/{w['id']}", {}), 400)
    p = ptutil.assert_problem(send(d, who, "admin", "PATCH", f"/api/v1/webhooks/{w['id']}",
                                   {"events": ["a..b"]}), 400)
    assert "events" in p["errors"], p
    p = ptutil.assert_problem(send(d, who, "admin", "PATCH", f"/api/v1/webhooks/{w['id']}",
                                   {"province": "CN-LN"}), 400)
    assert "province" in p["errors"], p  # it has an agency already: one scope at most
    assert send(d, who, "admin", "GET", f"/api/v1/webhooks/{w['id']}").json()["events"] == ["task.*"]


def test_a_change_is_delivered_signed_and_retried_after_500_with_the_same_id(d, who, receiver, tasks):
    # The first attempt of each delivery gets a 500, the next a 200.
    receiver.behaviour["/flaky"] = lambda rec: (500, {}, b"busy") if rec["nth"] == 1 else (200, {}, b"ok")
    w = register(d, who, url=receiver.url("/flaky"))
    other = register(d, who, url=receiver.url("/reports-only"), events=["report.*"])
    task = next(tasks)
    touch(d, who, task, "webhook: first")
    touch(d, who, task, "webhook: second")
    ptutil.wait_for(lambda: len(receiver.at("/flaky")) >= 4, 10, "two deliveries, each retried once")
    got = receiver.at("/flaky")
    ids = {}
    for rec in got:
        assert signed(rec, w["secret"]), rec["headers"]
        assert abs(int(rec["headers"]["x-policytrack-timestamp"]) - time.time()) < 60
        assert rec["headers"]["content-type"].startswith("application/json")
        ids.setdefault(rec["headers"]["x-policytrack-delivery"], []).append(rec)
    assert len(ids) == 2, ids.keys()  # two deliveries, each sent twice under its own id
    for delivery, recs in ids.items():
        assert [r["headers"]["x-policytrack-attempt"] for r in recs] == ["1", "2"]
        assert recs[0]["body"] == recs[1]["body"]
        assert recs[1]["at"] - recs[0]["at"] >= 0.045  # the backoff: 100 ms, jitter down to half
        payload = json.loads(recs[0]["body"])
        assert payload["id"] == delivery and payload["type"] == "task.noted"
        assert payload["data"]["task"]["id"] == task and payload["data"]["task"]["agency"] == "ndrc"
        assert payload["data"]["note"].startswith("webhook: ")
    # Tampering shows: the same body under another timestamp fails the check.
    forged = dict(got[0], headers={**got[0]["headers"], "x-policytrack-timestamp": "1"})
    assert not signed(forged, w["secret"])
    ptutil.wait_for(lambda: all(x["state"] == "delivered" for x in deliveries(d, who, w["id"])), 5,
                    "the log saying delivered")
    log = deliveries(d, who, w["id"])
    assert len(log) == 2 and all(x["attempts"] == 2 and x["last_status"] == 200 for x in log), log
    assert {x["delivery_id"] for x in log} == set(ids)
    assert deliveries(d, who, other["id"]) == []  # report.* is not sent task events
    assert receiver.at("/reports-only") == []


def test_a_refused_change_enqueues_nothing(d, who, receiver, tasks):
    w = register(d, who, url=receiver.url("/none"))
    task = next(tasks)
    headers = {"Content-Type": "application/json", "If-Match": '"999999"', **who["ndrc"]["headers"]}
    r = d.request("PATCH", f"/api/v1/tasks/{task}", headers=headers, body=b'{"note": "stale"}')
    assert r.status == 412, r
    time.sleep(0.3)
    assert deliveries(d, who, w["id"]) == []


def test_dingtalk_and_wecom_robots(d, who, receiver, tasks):
    ding_secret = "SEC0123456789abcdef"

    def dingtalk(rec):
        stamp = rec["query"]["timestamp"][0]
        want = base64.b64encode(hmac.new(ding_secret.encode(), f"{stamp}\n{ding_secret}".encode(),
                                         hashlib.sha256).digest()).decode()
        ok = rec["query"]["sign"][0] == want and rec["query"]["access_token"] == ["abc"]
        ok = ok and abs(int(stamp) / 1000 - time.time()) < 60
        answer = {"errcode": 0, "errmsg": "ok"} if ok else {"errcode": 310000, "errmsg": "sign not match"}
        return 200, {"Content-Type": "application/json"}, json.dumps(answer).encode()

    receiver.behaviour["/ding"] = dingtalk
    receiver.behaviour["/ding-refuses"] = lambda rec: (200, {}, b'{"errcode":310000,"errmsg":"keywords not in content"}')
    ding = register(d, who, url=receiver.url("/ding") + "?access_token=abc", format="dingtalk",
                    dingtalk_secret=ding_secret)
    assert ding["dingtalk_signed"] is True and "dingtalk_secret" not in ding
    refusing = register(d, who, url=receiver.url("/ding-refuses"), format="dingtalk")
    wecom = register(d, who, url=receiver.url("/wecom"), format="wecom")
    task = next(tasks)
    touch(d, who, task, "机器人消息")
    ptutil.wait_for(lambda: receiver.at("/ding") and receiver.at("/wecom"), 10, "both robots called")
    msg = json.loads(receiver.at("/ding")[0]["body"])
    assert msg["msgtype"] == "markdown" and f"任务 #{task}" in msg["markdown"]["title"]
    assert "机器人消息" in msg["markdown"]["text"] and "操作人" in msg["markdown"]["text"]
    ptutil.wait_for(lambda: deliveries(d, who, ding["id"])[0]["state"] == "delivered", 5, "DingTalk delivered")
    msg = json.loads(receiver.at("/wecom")[0]["body"])
    assert msg["msgtype"] == "markdown" and f"任务 #{task}" in msg["markdown"]["content"]
    # A robot's 200 with an errcode is a failure, retried.
    ptutil.wait_for(lambda: len(receiver.at("/ding-refuses")) >= 2, 10, "the refusing robot retried")
    log = deliveries(d, who, refusing["id"])
    assert "errcode 310000" in log[0]["last_error"], log
    # A test message.
    r = send(d, who, "admin", "POST", f"/api/v1/webhooks/{wecom['id']}/ping")
    assert r.status == 202 and r.json()["event_type"] == "webhook.ping", r
    ptutil.wait_for(lambda: any("测试消息" in json.loads(x["body"])["markdown"]["content"]
                                for x in receiver.at("/wecom")), 10, "the ping")


def test_a_hanging_target_does_not_slow_the_api(d, who, receiver):
    receiver.behaviour["/hang"] = lambda rec: (None, None, None)
    w = register(d, who, url=receiver.url("/hang"), events=["webhook.ping"])
    for _ in range(4):
        assert send(d, who, "admin", "POST", f"/api/v1/webhooks/{w['id']}/ping").status == 202
    ptutil.wait_for(lambda: len(receiver.at("/hang")) >= 4, 5, "the target hanging")
    worst = 0.0
    for _ in range(20):
        r = d.get("/api/v1/agencies", headers=who["obs"]["headers"])
        assert r.status == 200
        worst = max(worst, r.elapsed)
    # A loop blocked on the targets would hold requests for the attempt's 500 ms.
    assert worst < 0.4, f"a request took {worst:.3f}s while webhook targets hung"
    ptutil.wait_for(lambda: all(x["last_error"] and "no answer within 500 ms" in x["last_error"]
                                for x in deliveries(d, who, w["id"])), 5, "the timeouts recorded")


def test_a_redirect_is_a_failure_and_is_parked(d, who, receiver):
    receiver.behaviour["/moved"] = lambda rec: (302, {"Location": "http://127.0.0.1:1/elsewhere"}, b"")
    w = register(d, who, url=receiver.url("/moved"), events=["webhook.ping"])
    assert send(d, who, "admin", "POST", f"/api/v1/webhooks/{w['id']}/ping").status == 202
    ptutil.wait_for(lambda: deliveries(d, who, w["id"])[0]["state"] == "parked", 10, "parked")
    x = deliveries(d, who, w["id"])[0]
    assert x["attempts"] == 3 and x["last_status"] == 302, x
    assert "redirects are not followed" in x["last_error"] and "parked after 3 attempts" in x["last_error"], x
    assert len(receiver.at("/moved")) == 3


def test_unreachable_is_retried_then_parked_and_replay_delivers(d, who, receiver):
    closed = ptutil.free_port()
    w = register(d, who, url=f"http://127.0.0.1:{closed}/gone", events=["webhook.ping"])
    failures = ptutil.metric_value(d, "policytrack_webhook_attempts_total", result="failed") or 0
    ping = send(d, who, "admin", "POST", f"/api/v1/webhooks/{w['id']}/ping").json()
    ptutil.wait_for(lambda: deliveries(d, who, w["id"])[0]["state"] == "parked", 10, "parked")
    x = deliveries(d, who, w["id"], "&state=parked")[0]
    assert x["id"] == ping["id"] and x["attempts"] == 3 and x["last_status"] is None, x
    assert "connection" in x["last_error"], x
    assert send(d, who, "admin", "GET", f"/api/v1/webhooks/{w['id']}").json()["deliveries"]["parked"] == 1
    ptutil.wait_for(lambda: (ptutil.metric_value(d, "policytrack_webhook_attempts_total", result="failed") or 0)
                    >= failures + 3, 5, "failures counted")
    ptutil.wait_for(lambda: (ptutil.metric_value(d, "policytrack_webhook_outbox_parked") or 0) >= 1, 5,
                    "parked sampled")
    assert ptutil.metric_value(d, "policytrack_webhook_parked_total") >= 1
    assert ptutil.metric_value(d, "policytrack_webhook_outbox_pending") is not None
    # The target is back (here: moved); the admin replays the parked delivery.
    r = send(d, who, "admin", "PATCH", f"/api/v1/webhooks/{w['id']}", {"url": receiver.url("/back")})
    assert r.status == 200 and "secret" not in r.json(), r
    r = send(d, who, "admin", "POST", f"/api/v1/webhooks/{w['id']}/deliveries/{x['id']}/replay")
    assert r.status == 202 and r.json()["state"] == "pending" and r.json()["replays"] == 1, r
    ptutil.wait_for(lambda: receiver.at("/back"), 5, "the replay sent")
    assert receiver.at("/back")[0]["headers"]["x-policytrack-delivery"] == x["delivery_id"]
    ptutil.wait_for(lambda: deliveries(d, who, w["id"])[0]["state"] == "delivered", 5, "delivered")


def test_disabled_endpoints_get_nothing(d, who, receiver, tasks):
    w = register(d, who, url=receiver.url("/off"), enabled=False)
    touch(d, who, next(tasks), "while disabled")
    time.sleep(0.3)
    assert deliveries(d, who, w["id"]) == [] and receiver.at("/off") == []


def test_daily_reminders_are_enqueued_once_per_recipient(daemons, d, who, receiver, migrated_db, tasks):
    touch(d, who, next(tasks), None, {"due_date": "2020-01-01"}, by="coord")  # NDRC has an overdue task
    want = send(d, who, "admin", "GET", "/api/v1/reminders?days=7").json()
    late = [o for o in want["overdue_tasks"] if o["agency"] == "ndrc"][0]
    w = register(d, who, url=receiver.url("/remind"), events=["reminder.daily"], format="wecom",
                 agency=late["agency"])
    whole = register(d, who, url=receiver.url("/remind-all"), events=["reminder.*"], agency=None)
    # Today's run may have happened in this database already: forget it (as the tables' owner).
    ptutil.psql(ptutil.migrate_db_url(), "DELETE FROM webhook_reminder_runs")
    # Two daemons whose reminder time has come, at once: one message per recipient all the same.
    for _ in range(2):
        daemons.start(*FAST, "--webhook-reminder-time", "00:00", database_url=migrated_db)
    ptutil.wait_for(lambda: deliveries(d, who, w["id"]) and deliveries(d, who, whole["id"]), 10, "reminders enqueued")
    time.sleep(1.0)
    mine = deliveries(d, who, w["id"])
    assert len(mine) == 1 and mine[0]["event_type"] == "reminder.daily", mine
    data = mine[0]["payload"]
    assert data["recipient"] == {"kind": "agency", "code": late["agency"], "name_zh": data["recipient"]["name_zh"],
                                 "name_en": late["name_en"]} and data["day"] == want["today"]
    assert data["overdue_tasks"] == {"count": late["count"], "tasks": late["tasks"]}
    everyone = deliveries(d, who, whole["id"])
    recipients = [(x["payload"]["recipient"]["kind"], x["payload"]["recipient"]["code"]) for x in everyone]
    assert len(recipients) == len(set(recipients))
    assert {("agency", o["agency"]) for o in want["overdue_tasks"]} <= set(recipients)
    assert {("province", r["province"]) for r in want["reports"]} <= set(recipients)
    ptutil.wait_for(lambda: receiver.at("/remind"), 5, "the reminder sent")
    msg = json.loads(receiver.at("/remind")[0]["body"])["markdown"]["content"]
    assert "每日提醒" in msg and want["today"] in msg and "逾期任务" in msg
    # Three daemons sent from one outbox: each delivery once (its target answered 200 at once).
    ptutil.wait_for(lambda: len(receiver.at("/remind-all")) >= len(everyone), 10, "every reminder sent")
    time.sleep(0.5)
    sent = [r["headers"]["x-policytrack-delivery"] for r in receiver.at("/remind-all")]
    assert sorted(sent) == sorted(x["delivery_id"] for x in everyone)


def test_stopping_with_a_delivery_in_flight(daemons, d, who, receiver, migrated_db):
    """SIGTERM while this daemon waits on a hanging target: it exits at once and cleanly (no
    leak under ASan); the delivery stays in the outbox under its lease, to be sent again."""
    receiver.behaviour["/hang-stop"] = lambda rec: (None, None, None)
    w = register(d, who, url=receiver.url("/hang-stop"), events=["webhook.ping"])
    own = daemons.start("--webhook-poll-ms", "20", "--webhook-timeout-ms", "20000", *NO_REMINDERS,
                        database_url=migrated_db)
    # The module's daemon polls the same outbox: ping until `own` holds one.
    deadline = time.monotonic() + 10
    while (ptutil.metric_value(own, "policytrack_webhook_in_flight") or 0) < 1:
        assert time.monotonic() < deadline, "the new daemon never claimed a delivery"
        assert send(d, who, "admin", "POST", f"/api/v1/webhooks/{w['id']}/ping").status == 202
        time.sleep(0.2)
    t0 = time.monotonic()
    problems = own.finish()
    assert problems == [] and time.monotonic() - t0 < 3, problems
    assert send(d, who, "admin", "PATCH", f"/api/v1/webhooks/{w['id']}", {"enabled": False}).status == 200


def certificate(tmp_path, name, san):
    """A self-signed certificate for san (e.g. IP:127.0.0.1) and its key, as files."""
    cert, key = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-days", "1", "-subj", f"/CN={name}", "-addext", f"subjectAltName={san}",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return str(cert), str(key)


def test_https_targets_are_verified(d, who, certs):
    """https through OpenSSL on the loop: a trusted certificate naming the address is
    delivered to; a trusted one naming another host is a failure."""
    ok_target, wrong_target = Receiver(tls=certs["good"]), Receiver(tls=certs["wrong"])
    try:
        a = register(d, who, url=ok_target.url("/tls"), events=["webhook.ping"])
        b = register(d, who, url=wrong_target.url("/tls"), events=["webhook.ping"])
        for w in (a, b):
            assert send(d, who, "admin", "POST", f"/api/v1/webhooks/{w['id']}/ping").status == 202
        ptutil.wait_for(lambda: ok_target.at("/tls"), 10, "delivered over https")
        assert signed(ok_target.at("/tls")[0], a["secret"])
        ptutil.wait_for(lambda: deliveries(d, who, a["id"])[0]["state"] == "delivered", 5, "delivered")
        ptutil.wait_for(lambda: deliveries(d, who, b["id"])[0]["last_error"], 10, "the wrong name refused")
        assert wrong_target.at("/tls") == []
        assert "TLS: the certificate was not accepted" in deliveries(d, who, b["id"])[0]["last_error"]
    finally:
        ok_target.close()
        wrong_target.close()


@pytest.mark.parametrize("value", ["24:00", "8:30", "08:60", "08:30:00", ""])
def test_a_bad_reminder_time_stops_the_daemon_at_start(value):
    cp = ptutil.run_daemon_once(["--webhook-reminder-time", value, "--listen", "127.0.0.1:0"])
    assert cp.returncode == 2 and "--webhook-reminder-time" in cp.stderr and "HH:MM" in cp.stderr, cp.stderr


def test_report_events_reach_the_province_endpoint(d, who, receiver, migrated_db):
    """report.* to a WeCom robot scoped to Jilin: created, submitted and returned arrive, in
    Chinese; another province's endpoint gets none of them."""
    jl = ptutil.make_user(migrated_db, "province", province="CN-JL")
    jl_headers = {"Content-Type": "application/json", **ptutil.bearer(ptutil.issue_token(migrated_db, jl))}
    mine = register(d, who, url=receiver.url("/jilin"), format="wecom", events=["report.*"], agency=None,
                    province="CN-JL")
    other = register(d, who, url=receiver.url("/heilongjiang"), events=["report.*"], agency=None,
                     province="CN-HL")
    for n in range(100):  # a period of its own, due far ahead (so no reminder names it)
        code = f"{2080 + n // 12 + int(time.time()) % 7}-{n % 12 + 1:02d}"
        r = send(d, who, "coord", "POST", "/api/v1/periods",
                 {"code": code, "starts_on": f"{code}-01", "ends_on": f"{code}-28", "due_on": "2099-12-31"})
        if r.status == 201:
            break
        assert r.status == 409, r
    r = d.request("POST", "/api/v1/reports", headers=jl_headers,
                  body=json.dumps({"period": code, "summary": "吉林省季度进展", "items": []}).encode())
    assert r.status == 201, r
    report = r.json()["id"]
    assert d.request("POST", f"/api/v1/reports/{report}/submit", headers=jl_headers).status == 200
    r = send(d, who, "coord", "POST", f"/api/v1/reports/{report}/return", {"comment": "请补充材料"})
    assert r.status == 200, r
    ptutil.wait_for(lambda: len(receiver.at("/jilin")) >= 3, 10, "three report events delivered")
    kinds = [x["event_type"] for x in deliveries(d, who, mine["id"])]
    assert kinds == ["report.created", "report.submitted", "report.returned"], kinds
    # Deliveries go out concurrently (--webhook-max-in-flight), so they may arrive in any order.
    texts = [json.loads(x["body"])["markdown"]["content"] for x in receiver.at("/jilin")]
    by_state = {state: [t for t in texts if f"- {state}" in t] for state in ("已创建", "已提交", "已退回")}
    assert all(len(found) == 1 for found in by_state.values()), texts
    returned = by_state["已退回"][0]
    assert f"报告 CN-JL {code}" in returned and "请补充材料" in returned, texts
    assert deliveries(d, who, other["id"]) == []


def test_the_outbox_depth_in_metrics_is_the_pending_deliveries(d, who, migrated_db, tasks):
    """/metrics' outbox depth (issue 19, item 4) counts what waits in the outbox. Two changes to
    an unreachable endpoint are parked; the admin disables it and replays them: pending again,
    held (a disabled endpoint is sent nothing), they count until the endpoint is removed."""
    def pending(hook=None):
        where = f" AND webhook_id = {int(hook)}" if hook else ""
        return int(ptutil.psql_value(migrated_db, f"SELECT count(*) FROM webhook_deliveries WHERE state = 'pending'{where}"))

    def agreed():
        # A gauge sampled as the sender polls: it agrees with the table once a poll has passed.
        want = pending()
        return want if ptutil.metric_value(d, "policytrack_webhook_outbox_pending") == want else None

    w = register(d, who, url=f"http://127.0.0.1:{ptutil.free_port()}/gone")
    task = next(tasks)
    touch(d, who, task, "depth: first")
    touch(d, who, task, "depth: second")
    ptutil.wait_for(lambda: [x["state"] for x in deliveries(d, who, w["id"])] == ["parked"] * 2, 10, "both parked")
    assert send(d, who, "admin", "PATCH", f"/api/v1/webhooks/{w['id']}", {"enabled": False}).status == 200
    for x in deliveries(d, who, w["id"]):
        r = send(d, who, "admin", "POST", f"/api/v1/webhooks/{w['id']}/deliveries/{x['id']}/replay")
        assert r.status == 202, r
    ptutil.wait_for(lambda: (agreed() or 0) >= 2, 5, "the depth counting the two held deliveries")
    time.sleep(0.3)
    held = deliveries(d, who, w["id"])
    assert [(x["state"], x["attempts"]) for x in held] == [("pending", 0)] * 2, held  # held, not sent
    assert send(d, who, "admin", "DELETE", f"/api/v1/webhooks/{w['id']}").status == 204
    assert pending(w["id"]) == 0
    ptutil.wait_for(lambda: agreed() is not None, 5, "the depth without them")

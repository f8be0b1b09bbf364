"""Routing errors and the RFC 9457 problem shape."""

import pytest

import ptutil


@pytest.fixture(scope="module")
def daemon(module_daemons):
    return module_daemons.start()


@pytest.mark.parametrize("path", ["/nope", "/api/v1/nope", "/healthz/extra", "/HEALTHZ", "/api", "/metrics2"])
def test_unknown_path_404(daemon, path):
    rid = "e404-" + path.strip("/").replace("/", "-")
    r = daemon.get(path, headers={"X-Request-Id": rid})
    ptutil.assert_problem(r, 404, request_id=rid)
    assert r.header("X-Request-Id") == rid


def _allow(r):
    value = r.header("Allow")
    assert value is not None, f"405 without an Allow header: {r!r}"
    return {m.strip().upper() for m in value.split(",") if m.strip()}


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_wrong_method_405_with_allow(daemon, path, method):
    rid = f"e405-{method}"
    r = daemon.request(method, path, headers={"X-Request-Id": rid}, body=b"" if method != "DELETE" else None)
    ptutil.assert_problem(r, 405, request_id=rid)
    allow = _allow(r)
    assert {"GET", "HEAD"} <= allow, f"Allow {allow} for {path} lacks GET or HEAD"
    assert method not in allow, f"Allow {allow} lists {method}, which was refused"


def test_404_and_405_types_differ(daemon):
    a = ptutil.assert_problem(daemon.get("/nope"), 404)
    b = ptutil.assert_problem(daemon.request("POST", "/healthz", body=b""), 405)
    assert a["type"] != b["type"], "404 and 405 share a problem type"


@pytest.mark.parametrize("path", ["/healthz", "/metrics"])
def test_head_is_get_without_body(daemon, path):
    g = daemon.get(path)
    h = daemon.request("HEAD", path)
    assert h.status == 200, h
    assert h.body == b"", f"HEAD {path} returned a body"
    assert h.media_type == g.media_type
    with daemon.raw() as c:
        # A raw read: the response to HEAD must not be followed by body bytes
        # that would be taken as the start of the next response.
        c.send(f"HEAD {path} HTTP/1.1\r\nHost: t\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n".encode())
        first = c.read_response("HEAD")
        second = c.read_response("GET")
    assert first.status == 200 and second.status == 200, (first, second)
    assert second.json() == {"status": "ok"}


def test_head_unknown_path_404_without_body(daemon):
    h = daemon.request("HEAD", "/nope")
    assert h.status == 404, h
    assert h.body == b""


def test_query_string_ignored_by_routing(daemon):
    r = daemon.get("/healthz?verbose=1&x=%20")
    assert r.status == 200, r


@pytest.mark.parametrize("path", ["/%00", "/..%2f..%2fetc%2fpasswd", "//healthz", "/healthz%20", "/%ff%fe",
                                  "/" + "a" * 2000, "/api/v1/../../healthz"])
def test_odd_paths_never_5xx(daemon, path):
    with daemon.raw() as c:
        c.send(f"GET {path} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
        r = c.read_response()
    assert r.status < 500, r
    if r.status >= 400:
        ptutil.assert_problem(r, r.status)


def test_problem_detail_is_informative(daemon):
    body = ptutil.assert_problem(daemon.get("/nope"), 404)
    assert body["detail"], "404 problem has an empty detail"
    body = ptutil.assert_problem(daemon.request("POST", "/healthz", body=b""), 405)
    assert body["detail"], "405 problem has an empty detail"


def test_daemon_still_serves(daemon):
    assert daemon.get("/healthz").status == 200

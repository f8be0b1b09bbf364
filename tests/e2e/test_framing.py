"""HTTP/1.1 message framing: limits, ambiguous framing (request smuggling),
unknown methods and versions, pipelining."""

import time

import pytest

import ptutil

MAX_BODY = 1024
MAX_HEADER = 4096


@pytest.fixture(scope="module")
def daemon(module_daemons):
    return module_daemons.start("--max-body-bytes", str(MAX_BODY), "--max-header-bytes", str(MAX_HEADER))


def head(request_line, *headers):
    return (request_line + "\r\n" + "".join(h + "\r\n" for h in ("Host: t", *headers)) + "\r\n").encode()


# -- pipelining and keep-alive


def test_pipelined_gets_answered_in_order(daemon):
    with daemon.raw() as c:
        c.send(head("GET /healthz HTTP/1.1", "X-Request-Id: pipe-1") +
               head("GET /healthz HTTP/1.1", "X-Request-Id: pipe-2"))
        a = c.read_response()
        b = c.read_response()
    assert (a.status, b.status) == (200, 200), (a, b)
    assert (a.header("X-Request-Id"), b.header("X-Request-Id")) == ("pipe-1", "pipe-2")


def test_pipelined_mixed_requests(daemon):
    with daemon.raw() as c:
        c.send(head("GET /healthz HTTP/1.1") + head("GET /nope HTTP/1.1") +
               head("HEAD /healthz HTTP/1.1") + head("GET /metrics HTTP/1.1"))
        rs = [c.read_response(m) for m in ("GET", "GET", "HEAD", "GET")]
    assert [r.status for r in rs] == [200, 404, 200, 200], rs
    assert rs[3].media_type == "text/plain"


def test_body_consumed_before_next_request(daemon):
    with daemon.raw() as c:
        c.send(head("POST /healthz HTTP/1.1", "Content-Length: 2", "Content-Type: application/json") + b"{}" +
               head("GET /healthz HTTP/1.1"))
        a = c.read_response()
        b = c.read_response()
    ptutil.assert_problem(a, 405)
    assert b.status == 200 and b.json() == {"status": "ok"}, b


def test_chunked_post_to_unknown_path_is_404(daemon):
    with daemon.raw() as c:
        c.send(head("POST /nope HTTP/1.1", "Transfer-Encoding: chunked", "Content-Type: application/json") +
               b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n" + head("GET /healthz HTTP/1.1"))
        a = c.read_response()
        b = c.read_response()
    ptutil.assert_problem(a, 404)
    assert b.status == 200, b


def test_http10_request(daemon):
    with daemon.raw() as c:
        c.send(b"GET /healthz HTTP/1.0\r\n\r\n")
        r = c.read_response()
        closed = c.wait_closed(3)
    assert r.status == 200, r
    assert closed, "HTTP/1.0 request without keep-alive: connection not closed"


# -- body size


def test_body_at_limit_is_accepted(daemon):
    with daemon.raw() as c:
        c.send(head("POST /nope HTTP/1.1", f"Content-Length: {MAX_BODY}") + b"a" * MAX_BODY)
        r = c.read_response()
    ptutil.assert_problem(r, 404)


def test_declared_body_too_large_413(daemon):
    t0 = time.monotonic()
    resp, _ = ptutil.raw_exchange(daemon.port, head("POST /nope HTTP/1.1", f"Content-Length: {MAX_BODY + 1}"))
    ptutil.assert_problem(resp, 413)
    assert time.monotonic() - t0 < 2, "413 came only after waiting for the body"


def test_chunked_body_too_large_413(daemon):
    chunk = b"200\r\n" + b"b" * 0x200 + b"\r\n"
    resp, _ = ptutil.raw_exchange(daemon.port, head("POST /nope HTTP/1.1", "Transfer-Encoding: chunked") +
                                  chunk * 3 + b"0\r\n\r\n")
    ptutil.assert_problem(resp, 413)


def test_chunk_size_larger_than_limit_413(daemon):
    resp, _ = ptutil.raw_exchange(daemon.port, head("POST /nope HTTP/1.1", "Transfer-Encoding: chunked") +
                                  b"ffffffff\r\nabc")
    ptutil.assert_problem(resp, 413)


@pytest.mark.parametrize("value", ["99999999999999999999999", "18446744073709551616"])
def test_overflowing_content_length(daemon, value):
    resp, closed = ptutil.raw_exchange(daemon.port, head("POST /nope HTTP/1.1", f"Content-Length: {value}"))
    assert resp is not None and resp.status in (400, 413), resp
    ptutil.assert_problem(resp, resp.status)


def test_overflowing_chunk_size(daemon):
    resp, _ = ptutil.raw_exchange(daemon.port, head("POST /nope HTTP/1.1", "Transfer-Encoding: chunked") +
                                  b"1" + b"0" * 40 + b"\r\nabc")
    assert resp is not None and resp.status in (400, 413), resp
    ptutil.assert_problem(resp, resp.status)


def test_bad_chunk_size_400(daemon):
    resp, closed = ptutil.raw_exchange(daemon.port, head("POST /nope HTTP/1.1", "Transfer-Encoding: chunked") +
                                       b"zz\r\nhello\r\n0\r\n\r\n")
    ptutil.assert_problem(resp, 400)
    assert closed


# -- header size


def test_headers_under_limit_ok(daemon):
    r = daemon.get("/healthz", headers={"X-Big": "a" * (MAX_HEADER // 2)})
    assert r.status == 200, r


def test_one_big_header_431(daemon):
    resp, _ = ptutil.raw_exchange(daemon.port, head("GET /healthz HTTP/1.1", "X-Big: " + "a" * (MAX_HEADER + 100)))
    ptutil.assert_problem(resp, 431)


def test_many_headers_431(daemon):
    hs = [f"X-H{i}: " + "v" * 60 for i in range(MAX_HEADER // 50)]
    resp, _ = ptutil.raw_exchange(daemon.port, head("GET /healthz HTTP/1.1", *hs))
    ptutil.assert_problem(resp, 431)


def test_endless_header_431(daemon):
    """A header that never ends must be refused once past the limit, not
    buffered forever."""
    with daemon.raw() as c:
        c.send(b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Endless: ")
        for _ in range(MAX_HEADER // 1024 + 2):
            if not c.send(b"a" * 1024):
                break
        r = c.read_response(timeout=3)
    ptutil.assert_problem(r, 431)


def test_long_request_target(daemon):
    with daemon.raw() as c:
        c.send(b"GET /" + b"p" * (MAX_HEADER + 100) + b" HTTP/1.1\r\nHost: t\r\n\r\n")
        try:
            r = c.read_response(timeout=3)
        except ptutil.Closed:
            pytest.fail("connection closed without an answer to an over-long request target")
    assert r.status in (414, 431), r
    ptutil.assert_problem(r, r.status)


# -- ambiguous framing: 400, Connection: close, connection closed

AMBIGUOUS = {
    "cl-and-te": (["Content-Length: 5", "Transfer-Encoding: chunked"], b"0\r\n\r\n"),
    "te-and-cl": (["Transfer-Encoding: chunked", "Content-Length: 5"], b"0\r\n\r\n"),
    "two-cl-equal": (["Content-Length: 5", "Content-Length: 5"], b"hello"),
    "two-cl-different": (["Content-Length: 5", "Content-Length: 6"], b"hello!"),
    "cl-list": (["Content-Length: 5, 5"], b"hello"),
    "te-gzip-chunked": (["Transfer-Encoding: gzip, chunked"], b"0\r\n\r\n"),
    "te-chunked-chunked": (["Transfer-Encoding: chunked, chunked"], b"0\r\n\r\n"),
    "te-twice": (["Transfer-Encoding: chunked", "Transfer-Encoding: chunked"], b"0\r\n\r\n"),
    "te-xchunked": (["Transfer-Encoding: xchunked"], b"0\r\n\r\n"),
    "te-identity": (["Transfer-Encoding: identity"], b""),
    "te-chunked-gzip": (["Transfer-Encoding: chunked, gzip"], b"0\r\n\r\n"),
    "te-empty": (["Transfer-Encoding:"], b""),
    "cl-abc": (["Content-Length: abc"], b"abc"),
    "cl-negative": (["Content-Length: -1"], b""),
    "cl-plus": (["Content-Length: +5"], b"hello"),
    "cl-hex": (["Content-Length: 0x5"], b"hello"),
    "cl-inner-space": (["Content-Length: 1 2"], b"hello"),
    "cl-empty": (["Content-Length:"], b""),
    "space-before-colon-cl": (["Content-Length : 5"], b"hello"),
    "space-before-colon-te": (["Transfer-Encoding : chunked"], b"0\r\n\r\n"),
}

HEADER_LEVEL = {
    "nul-in-value": ["X-Foo: a\x00b"],
    "nul-in-name": ["X-F\x00oo: b"],
    "space-before-colon": ["X-Foo : bar"],
    "tab-before-colon": ["X-Foo\t: bar"],
    "obs-fold-space": ["X-Foo: bar", " continued"],
    "obs-fold-tab": ["X-Foo: bar", "\tcontinued"],
}


def _assert_rejected(resp, closed, what):
    ptutil.assert_problem(resp, 400)
    conn = (resp.header("Connection") or "").lower()
    assert "close" in conn, f"{what}: 400 without Connection: close ({resp.header('Connection')!r})"
    assert closed, f"{what}: connection left open after a framing rejection"


@pytest.mark.parametrize("case", list(AMBIGUOUS), ids=list(AMBIGUOUS))
def test_ambiguous_body_framing_400(daemon, case):
    headers, body = AMBIGUOUS[case]
    data = head("POST /nope HTTP/1.1", *headers) + body + head("GET /healthz HTTP/1.1")
    resp, closed = ptutil.raw_exchange(daemon.port, data)
    _assert_rejected(resp, closed, case)


@pytest.mark.parametrize("case", list(HEADER_LEVEL), ids=list(HEADER_LEVEL))
def test_bad_header_syntax_400(daemon, case):
    data = head("GET /healthz HTTP/1.1", *HEADER_LEVEL[case])
    resp, closed = ptutil.raw_exchange(daemon.port, data)
    _assert_rejected(resp, closed, case)


def test_get_body_is_not_smuggled(daemon):
    """A GET's Content-Length body must be read as its body (or refused),
    never parsed as a second request."""
    smuggled = head("GET /smuggled HTTP/1.1")
    data = head("GET /healthz HTTP/1.1", f"Content-Length: {len(smuggled)}") + smuggled + \
        head("GET /healthz HTTP/1.1", "Connection: close")
    with daemon.raw() as c:
        c.send(data)
        rs = c.read_responses(["GET"] * 3, timeout=4)
    statuses = [r.status for r in rs]
    assert 404 not in statuses, f"the body of a GET was parsed as a request (statuses {statuses})"
    assert statuses in ([200, 200], [400]), f"unexpected answers {statuses}"


def test_head_with_body_is_not_smuggled(daemon):
    smuggled = head("GET /smuggled HTTP/1.1")
    data = head("HEAD /healthz HTTP/1.1", f"Content-Length: {len(smuggled)}") + smuggled + \
        head("GET /healthz HTTP/1.1", "Connection: close")
    with daemon.raw() as c:
        c.send(data)
        rs = c.read_responses(["HEAD", "GET", "GET"], timeout=4)
    statuses = [r.status for r in rs]
    assert 404 not in statuses, f"the body of a HEAD was parsed as a request (statuses {statuses})"
    assert statuses in ([200, 200], [400]), f"unexpected answers {statuses}"


# -- request line


@pytest.mark.parametrize("method", ["BREW", "PROPFIND", "FOO"])
def test_unknown_method_501(daemon, method):
    resp, _ = ptutil.raw_exchange(daemon.port, head(f"{method} /healthz HTTP/1.1"))
    ptutil.assert_problem(resp, 501)


@pytest.mark.parametrize("version", ["HTTP/2.0", "HTTP/1.2", "HTTP/3.0"])
def test_unsupported_version_505(daemon, version):
    resp, _ = ptutil.raw_exchange(daemon.port, head(f"GET /healthz {version}"))
    ptutil.assert_problem(resp, 505)


@pytest.mark.parametrize("line", ["GET /healthz HTTP/1.1 extra", "GET /healthz HTTP/1.1\x00", "/healthz HTTP/1.1",
                                  "GET /heal\x00thz HTTP/1.1"])
def test_malformed_request_line_refused(daemon, line):
    resp, closed = ptutil.raw_exchange(daemon.port, head(line))
    assert resp is not None, "connection closed without an answer to a malformed request line"
    assert resp.status in (400, 501, 505), resp
    ptutil.assert_problem(resp, resp.status)


@pytest.mark.parametrize("data,status", [
    (head("POST /nope HTTP/1.1", "Content-Length: 5", "Transfer-Encoding: chunked") + b"0\r\n\r\n", 400),
    (head("POST /nope HTTP/1.1", f"Content-Length: {MAX_BODY + 1}"), 413),
    (head("GET /healthz HTTP/1.1", "X-Big: " + "a" * (MAX_HEADER + 100)), 431),
    (head("BREW /healthz HTTP/1.1"), 501),
    (head("GET /healthz HTTP/2.0"), 505),
], ids=["400", "413", "431", "501", "505"])
def test_rejections_are_logged(daemon, data, status):
    """One access-log line per request, refused ones included."""
    resp, _ = ptutil.raw_exchange(daemon.port, data)
    rid = ptutil.assert_problem(resp, status)["request_id"]
    rec = daemon.wait_for_log(lambda r: r.get("msg") == "request" and r.get("request_id") == rid, timeout=2)
    assert rec is not None, f"no access log line for the {status} answer (request_id {rid})"
    assert rec.get("status") == status, rec


def test_daemon_survived(daemon):
    r = daemon.get("/healthz")
    assert r.status == 200, r

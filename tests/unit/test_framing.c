#include <stdlib.h>
#include <string.h>

#include "http/framing.h"
#include "tap.h"

#define MAX_HEAD 1024
#define MAX_BODY 100

/* Feeds s in one piece, or one byte at a time when bytewise; returns the verdict status or 0. */
static int
run(const char *s, size_t len, bool bytewise, struct framing_parser *p)
{
	framing_init(p, MAX_HEAD, MAX_BODY);
	if (bytewise) {
		for (size_t i = 0; i < len; i++)
			if (!framing_feed(p, (const unsigned char *)s + i, 1))
				return p->verdict.status;
		return 0;
	}
	return framing_feed(p, (const unsigned char *)s, len) ? 0 : p->verdict.status;
}

static void
expect(const char *name, const char *s, size_t len, int want_status, unsigned long want_complete)
{
	struct framing_parser p;
	for (int bytewise = 0; bytewise <= 1; bytewise++) {
		int got = run(s, len, bytewise, &p);
		CHECK(got == want_status, "%s%s: status %d", name, bytewise ? " (bytewise)" : "",
		      got);
		if (want_status == 0)
			CHECK(p.requests_complete == want_complete, "%s%s: %lu requests complete",
			      name, bytewise ? " (bytewise)" : "",
			      (unsigned long)p.requests_complete);
	}
}

#define EXPECT(name, literal, status, complete)                                                    \
	expect(name, literal, sizeof(literal) - 1, status, complete)

/* Large bodies (uploads): allowed on /upload, refused elsewhere, busy on /busy. */
#define MAX_LARGE 1000

struct asked {
	int times;
	char target[64];
};

static enum framing_large
large_body(void *arg, const struct framing_parser *p)
{
	struct asked *a = arg;
	a->times++;
	size_t n = p->target_len < sizeof(a->target) - 1 ? p->target_len : sizeof(a->target) - 1;
	memcpy(a->target, p->target, n);
	a->target[n] = '\0';
	if (strncmp(a->target, "/upload", 7) == 0)
		return FRAMING_LARGE_ALLOWED;
	if (strncmp(a->target, "/busy", 5) == 0)
		return FRAMING_LARGE_BUSY;
	return FRAMING_LARGE_REFUSED;
}

static int
run_large(const char *s, struct asked *a, struct framing_parser *p)
{
	memset(a, 0, sizeof(*a));
	framing_init(p, MAX_HEAD, MAX_BODY);
	framing_allow_large_bodies(p, MAX_LARGE, large_body, a);
	return framing_feed(p, (const unsigned char *)s, strlen(s)) ? 0 : p->verdict.status;
}

static void
large_bodies(void)
{
	struct asked a;
	struct framing_parser p;
	CHECK(run_large("POST /upload HTTP/1.1\r\nContent-Length: 100\r\n\r\n", &a, &p) == 0 &&
	          a.times == 0,
	      "a body within max_body asks nothing");
	CHECK(run_large("POST /upload?name=a.pdf HTTP/1.1\r\nContent-Length: 1000\r\n\r\n", &a,
	                &p) == 0 &&
	          a.times == 1 && strcmp(a.target, "/upload?name=a.pdf") == 0,
	      "an allowed large body passes, asked once with its target");
	CHECK(run_large("POST /upload HTTP/1.1\r\nContent-Length: 1001\r\n\r\n", &a, &p) == 413,
	      "an allowed large body over max_large_body is 413");
	CHECK(run_large("POST /other HTTP/1.1\r\nContent-Length: 101\r\n\r\n", &a, &p) == 413,
	      "another route keeps max_body");
	CHECK(run_large("POST /busy HTTP/1.1\r\nContent-Length: 101\r\n\r\n", &a, &p) == 503 &&
	          strcmp(p.verdict.slug, "too-many-uploads") == 0,
	      "no room for another upload is 503");
	CHECK(run_large("POST /upload HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	                "64\r\n",
	                &a, &p) == 0 &&
	          a.times == 0,
	      "chunks within max_body ask nothing");
	CHECK(run_large("POST /upload HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	                "64\r\n",
	                &a, &p) == 0,
	      "chunked upload starts");
	char chunk[120];
	memset(chunk, 'x', 100);
	framing_feed(&p, (const unsigned char *)chunk, 100);
	bool ok = framing_feed(&p, (const unsigned char *)"\r\n1f4\r\n", 7);
	CHECK(ok && a.times == 1 && p.large == FRAMING_LARGE_ALLOWED,
	      "chunks passing max_body ask once and go on");
	CHECK(p.body_seen == 100, "body progress counts data bytes only (%llu)",
	      (unsigned long long)p.body_seen);
	CHECK(run_large("POST /other HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	                "65\r\n",
	                &a, &p) == 413,
	      "chunks passing max_body elsewhere are 413");
	/* The answer belongs to one request: the next asks again. */
	run_large("POST /upload HTTP/1.1\r\nContent-Length: 200\r\n\r\n", &a, &p);
	memset(chunk, 'x', 100);
	framing_feed(&p, (const unsigned char *)chunk, 100);
	framing_feed(&p, (const unsigned char *)chunk, 100);
	bool next = framing_feed(
	    &p, (const unsigned char *)"POST /upload HTTP/1.1\r\nContent-Length: 300\r\n\r\n", 46);
	CHECK(next && a.times == 2 && p.requests_complete == 1,
	      "a second large request on the connection is asked about again");
}

int
main(void)
{
	EXPECT("simple GET", "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 0, 1);
	EXPECT("LF-only lines", "GET / HTTP/1.1\nHost: x\n\n", 0, 1);
	EXPECT("HTTP/1.0", "GET / HTTP/1.0\r\n\r\n", 0, 1);
	EXPECT("pipelined", "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n",
	       0, 2);
	EXPECT("body by length then next request",
	       "POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\n\r\n", 0, 2);
	EXPECT("chunked body",
	       "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	       "5\r\nhello\r\na\r\n0123456789\r\n0\r\n\r\n",
	       0, 1);
	EXPECT("chunked with trailer",
	       "POST /a HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"
	       "1\r\nx\r\n0\r\nX-T: 1\r\n\r\n",
	       0, 1);
	EXPECT("partial request is pending", "GET / HTTP/1.1\r\nHost: x\r\n", 0, 0);
	EXPECT("header values may hold obs-text", "GET / HTTP/1.1\r\nX-N: \xe5\x90\x89\r\n\r\n", 0,
	       1);

	EXPECT("CL and TE",
	       "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
	       0);
	EXPECT("TE and CL",
	       "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400,
	       0);
	EXPECT("duplicate CL", "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n",
	       400, 0);
	EXPECT("non-numeric CL", "POST / HTTP/1.1\r\nContent-Length: 3x\r\n\r\n", 400, 0);
	EXPECT("signed CL", "POST / HTTP/1.1\r\nContent-Length: +3\r\n\r\n", 400, 0);
	EXPECT("empty CL", "POST / HTTP/1.1\r\nContent-Length: \r\n\r\n", 400, 0);
	EXPECT("TE gzip, chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
	       400, 0);
	EXPECT("TE chunked, chunked",
	       "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400, 0);
	EXPECT("TE xchunked", "POST / HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n", 400, 0);
	EXPECT(
	    "two TE headers",
	    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
	    400, 0);
	EXPECT("TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, 0);
	EXPECT("NUL in header value", "GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n", 400, 0);
	EXPECT("control byte in header value", "GET / HTTP/1.1\r\nX-A: a\x01\r\n\r\n", 400, 0);
	EXPECT("space before colon", "GET / HTTP/1.1\r\nContent-Length : 3\r\n\r\n", 400, 0);
	EXPECT("obs-fold", "GET / HTTP/1.1\r\nX-A: a\r\n b\r\n\r\n", 400, 0);
	EXPECT("lone CR", "GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n", 400, 0);
	EXPECT("empty line first", "\r\nGET / HTTP/1.1\r\n\r\n", 400, 0);
	EXPECT("HEAD with a body", "HEAD / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", 400, 0);
	EXPECT("unknown method", "BREW /pot HTTP/1.1\r\n\r\n", 501, 0);
	EXPECT("TRACE is not served", "TRACE / HTTP/1.1\r\n\r\n", 501, 0);
	EXPECT("long method", "ABCDEFGHIJKLMNOPQRSTUVWXYZ / HTTP/1.1\r\n\r\n", 501, 0);
	EXPECT("HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", 505, 0);
	EXPECT("HTTP/1.2", "GET / HTTP/1.2\r\n\r\n", 505, 0);
	EXPECT("garbage version", "GET / HTXP/1.1\r\n\r\n", 400, 0);
	EXPECT("no version", "GET /\r\n\r\n", 400, 0);
	EXPECT("control byte in target", "GET /\x01 HTTP/1.1\r\n\r\n", 400, 0);
	EXPECT("CL over the limit", "POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n", 413, 0);
	EXPECT("CL at the limit is fine", "POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n", 0, 0);
	EXPECT("chunks over the limit",
	       "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	       "40\r\n",
	       0, 0);
	EXPECT("chunks summing over the limit",
	       "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n32\r\n"
	       "12345678901234567890123456789012345678901234567890\r\n33\r\n",
	       413, 0);
	EXPECT("huge chunk size",
	       "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	       "ffffffffffffffffff\r\n",
	       413, 0);
	EXPECT("chunk extension",
	       "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	       "1;ext=1\r\nx\r\n0\r\n\r\n",
	       400, 0);
	EXPECT("chunk longer than declared",
	       "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	       "1\r\nxy\r\n0\r\n\r\n",
	       400, 0);

	EXPECT("Expect: 100-continue is fine",
	       "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx", 0, 1);
	EXPECT("other expectations are 417", "POST / HTTP/1.1\r\nExpect: 200-ok\r\n\r\n", 417, 0);
	EXPECT("trailer without a colon",
	       "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	       "0\r\nbad\r\n\r\n",
	       400, 0);
	EXPECT("absolute-form target", "GET http://a/ HTTP/1.1\r\n\r\n", 400, 0);
	EXPECT("asterisk for OPTIONS", "OPTIONS * HTTP/1.1\r\n\r\n", 0, 1);
	EXPECT("asterisk for GET", "GET * HTTP/1.1\r\n\r\n", 400, 0);

	/* A head over MAX_HEAD bytes. */
	char big[MAX_HEAD + 200];
	int n = snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nX-Big: ");
	memset(big + n, 'a', sizeof(big) - (size_t)n);
	expect("header block too large", big, sizeof(big), 431, 0);

	large_bodies();

	struct framing_parser p;
	framing_init(&p, MAX_HEAD, MAX_BODY);
	CHECK(!framing_in_request(&p), "idle before the first byte");
	framing_feed(&p, (const unsigned char *)"G", 1);
	CHECK(framing_in_request(&p), "in a request after its first byte");
	CHECK(p.requests_started == 1, "one request started");
	framing_feed(&p, (const unsigned char *)"ET / HTTP/1.1\r\n\r\n", 17);
	CHECK(!framing_in_request(&p), "idle again once complete");
	return tap_done();
}

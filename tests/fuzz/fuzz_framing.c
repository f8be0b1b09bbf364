/*
 * The request-framing checker (lib/http/framing.c) on any byte stream. The
 * first byte picks the limits and the large-body answer; the rest is what a
 * client sends. Besides not crashing, the checker must give the same verdict
 * however the stream is cut into reads (the socket decides that, not the
 * client), and its verdicts and counters must stay within what it promises.
 */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "http/framing.h"

struct large_arg {
	enum framing_large answer;
	uint64_t asked_in; /* requests_started when last asked */
	int asked;
};

static enum framing_large
large_fn(void *arg, const struct framing_parser *p)
{
	struct large_arg *a = arg;
	FUZZ_CHECK(a->asked == 0 || a->asked_in != p->requests_started,
	           "the large-body question is asked at most once per request");
	a->asked++;
	a->asked_in = p->requests_started;
	return a->answer;
}

static bool
known_method(const char *m)
{
	static const char *const known[] = { "GET",   "HEAD",   "POST",   "PUT",
		                             "PATCH", "DELETE", "OPTIONS" };
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(m, known[i]) == 0)
			return true;
	return false;
}

static void
setup(struct framing_parser *p, struct large_arg *a, uint8_t config)
{
	static const uint64_t heads[] = { 24, 256, 8192, 65536 };
	static const uint64_t bodies[] = { 0, 10, 4096, 1u << 20 };
	framing_init(p, heads[config & 3], bodies[(config >> 2) & 3]);
	memset(a, 0, sizeof(*a));
	switch ((config >> 4) & 3) {
	case 0:
		break; /* no large bodies at all */
	case 1:
		a->answer = FRAMING_LARGE_ALLOWED;
		break;
	case 2:
		a->answer = FRAMING_LARGE_REFUSED;
		break;
	case 3:
		a->answer = FRAMING_LARGE_BUSY;
		break;
	}
	if ((config >> 4) & 3)
		framing_allow_large_bodies(p, (config & 0x40) ? 100 : 1u << 24, large_fn, a);
}

static void
check_invariants(const struct framing_parser *p, bool ok)
{
	FUZZ_CHECK(ok == (p->state != FR_REJECTED), "framing_feed is false exactly when refused");
	if (p->state == FR_REJECTED) {
		int s = p->verdict.status;
		FUZZ_CHECK(s == 400 || s == 413 || s == 417 || s == 431 || s == 501 || s == 503 ||
		               s == 505,
		           "a refusal carries one of the documented statuses");
		FUZZ_CHECK(p->verdict.slug && p->verdict.detail, "a refusal says why");
		FUZZ_CHECK(!framing_in_request(p), "a refused stream is in no request");
	} else {
		FUZZ_CHECK(p->verdict.status == 0 && !p->verdict.slug,
		           "no verdict without refusal");
		FUZZ_CHECK(p->head_bytes <= p->max_head, "an accepted head is within max_head");
		uint64_t limit =
		    p->large == FRAMING_LARGE_ALLOWED ? p->max_large_body : p->max_body;
		FUZZ_CHECK(p->body_seen <= limit && p->body_bytes <= limit,
		           "an accepted body is within its limit");
		if (p->state == FR_BODY)
			FUZZ_CHECK(p->content_length <= limit && p->remaining <= p->content_length,
			           "a Content-Length body is within its limit");
		FUZZ_CHECK(framing_in_request(p) ==
		               (p->requests_started == p->requests_complete + 1),
		           "in a request exactly when one has begun and not ended");
		if (p->state != FR_LINE_START && p->state != FR_METHOD)
			FUZZ_CHECK(known_method(p->method), "past the method, it is a known one");
		if (p->state >= FR_LINE_CR)
			FUZZ_CHECK(strcmp(p->version, "HTTP/1.1") == 0 ||
			               strcmp(p->version, "HTTP/1.0") == 0,
			           "past the request line, the version is 1.0 or 1.1");
		if (p->target_len > 0)
			FUZZ_CHECK(p->target[0] == '/' ||
			               (p->target[0] == '*' && strcmp(p->method, "OPTIONS") == 0),
			           "the target is origin-form (or * for OPTIONS)");
		if (p->state == FR_BODY || p->state >= FR_CHUNK_SIZE)
			FUZZ_CHECK(strcmp(p->method, "HEAD") != 0, "no body on HEAD");
	}
	FUZZ_CHECK(p->requests_complete <= p->requests_started &&
	               p->requests_started <= p->requests_complete + 1,
	           "at most one request is in progress");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t config = data[0];
	data++;
	size--;

	/* All at once. */
	struct framing_parser whole;
	struct large_arg whole_arg;
	setup(&whole, &whole_arg, config);
	bool whole_ok = framing_feed(&whole, data, size);
	check_invariants(&whole, whole_ok);

	/* The same bytes in reads of 1 to 16 bytes, checking after each read. */
	struct framing_parser cut;
	struct large_arg cut_arg;
	setup(&cut, &cut_arg, config);
	bool cut_ok = true;
	uint32_t rng = 2166136261u ^ config;
	for (size_t i = 0; i < size;) {
		rng = rng * 1103515245u + 12345u;
		size_t n = 1 + ((rng >> 16) & 15);
		if (n > size - i)
			n = size - i;
		cut_ok = framing_feed(&cut, data + i, n);
		check_invariants(&cut, cut_ok);
		i += n;
		if (!cut_ok)
			break;
	}
	if (size == 0)
		cut_ok = framing_feed(&cut, data, 0);

	FUZZ_CHECK(whole_ok == cut_ok, "the verdict does not depend on how reads are cut");
	FUZZ_CHECK(whole.state == cut.state, "the state does not depend on how reads are cut");
	FUZZ_CHECK(whole.verdict.status == cut.verdict.status &&
	               whole.verdict.detail == cut.verdict.detail,
	           "the refusal does not depend on how reads are cut");
	FUZZ_CHECK(whole.requests_started == cut.requests_started &&
	               whole.requests_complete == cut.requests_complete,
	           "the request count does not depend on how reads are cut");
	FUZZ_CHECK(whole.head_bytes == cut.head_bytes && whole.body_seen == cut.body_seen,
	           "the byte counts do not depend on how reads are cut");
	FUZZ_CHECK(whole_arg.asked == cut_arg.asked, "the large-body question is asked alike");
	return 0;
}

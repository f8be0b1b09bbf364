/*
 * An incremental HTTP/1.1 request-framing checker. It sees every byte a client
 * sends before evhttp parses it, and refuses what evhttp 2.1.12 would accept
 * but must not: ambiguous message framing (request smuggling), NUL and control
 * bytes in headers, oversized heads and bodies, unknown methods and versions.
 * It keeps only a few counters and the value of the framing headers, so it
 * costs no buffering per connection.
 */
#ifndef PT_HTTP_FRAMING_H
#define PT_HTTP_FRAMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum framing_state {
	FR_LINE_START, /* before the request line */
	FR_METHOD,
	FR_TARGET,
	FR_VERSION,
	FR_LINE_CR, /* a CR was seen; LF must follow */
	FR_HEADER_START,
	FR_HEADER_NAME,
	FR_HEADER_VALUE,
	FR_HEADER_CR,
	FR_HEAD_END_CR, /* empty line's CR */
	FR_BODY,        /* Content-Length bytes */
	FR_CHUNK_SIZE,
	FR_CHUNK_SIZE_CR,
	FR_CHUNK_DATA,
	FR_CHUNK_DATA_CR,
	FR_CHUNK_DATA_LF,
	FR_TRAILER_START,
	FR_TRAILER,
	FR_TRAILER_CR,
	FR_TRAILER_END_CR,
	FR_REJECTED
};

/* The first refusal found; status is an HTTP status, slug a problem slug. */
struct framing_verdict {
	int status;
	const char *slug;
	const char *detail;
};

/* Whether a request may have a body larger than max_body (framing_allow_large_bodies). */
enum framing_large {
	FRAMING_LARGE_UNASKED,
	FRAMING_LARGE_REFUSED, /* 413 */
	FRAMING_LARGE_ALLOWED, /* up to max_large_body */
	FRAMING_LARGE_BUSY,    /* it might, but not now: 503 */
};

struct framing_parser;

/*
 * Asked at most once per request, when its body turns out larger than
 * max_body: may this one (p->method, and p->target's first bytes) have a body
 * up to max_large_body? An ALLOWED answer holds until the request is over.
 */
typedef enum framing_large (*framing_large_fn)(void *arg, const struct framing_parser *p);

struct framing_parser {
	enum framing_state state;
	uint64_t max_head, max_body;
	uint64_t max_large_body;
	framing_large_fn large_body_fn;
	void *large_body_arg;

	uint64_t head_bytes;
	uint64_t requests_started; /* counts first bytes of requests */
	uint64_t requests_complete;

	char method[16];
	size_t method_len;
	char version[12];
	size_t version_len;
	size_t target_len;
	char target[128]; /* the target's first bytes, for the access log */

	/* The current header's name (lower-cased, truncated) and framing values. */
	char name[24];
	size_t name_len;
	bool name_truncated;
	char value[32];
	size_t value_len;
	bool value_overflow;
	int line_cr_return; /* state to take after the CR of the current line */

	bool saw_content_length, saw_transfer_encoding;
	uint64_t content_length;
	bool trailer_has_colon;

	uint64_t remaining; /* body or chunk bytes still to come */
	uint64_t body_bytes;
	uint64_t body_seen; /* body bytes of this request so far, framing excluded */
	int chunk_digits;
	enum framing_large large; /* this request's answer, once asked */

	struct framing_verdict verdict;
};

void framing_init(struct framing_parser *p, uint64_t max_head, uint64_t max_body);

/*
 * Lets some requests have bodies up to max_large_body (file uploads): fn says
 * which, when a body would pass max_body. Without it every body is held to
 * max_body.
 */
void framing_allow_large_bodies(struct framing_parser *p, uint64_t max_large_body,
                                framing_large_fn fn, void *arg);

/* Feeds bytes; false once the stream is refused (p->verdict says why). */
bool framing_feed(struct framing_parser *p, const unsigned char *data, size_t len);

/* True while a request has begun and not all of it has arrived. */
bool framing_in_request(const struct framing_parser *p);

#endif

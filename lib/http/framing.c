#include "http/framing.h"

#include <string.h>
#include <strings.h>

#include "core/util.h"

static const char *const known_methods[] = { "GET",   "HEAD",   "POST",   "PUT",
	                                     "PATCH", "DELETE", "OPTIONS" };

static bool
is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

void
framing_init(struct framing_parser *p, uint64_t max_head, uint64_t max_body)
{
	memset(p, 0, sizeof(*p));
	p->state = FR_LINE_START;
	p->max_head = max_head;
	p->max_body = max_body;
}

void
framing_allow_large_bodies(struct framing_parser *p, uint64_t max_large_body, framing_large_fn fn,
                           void *arg)
{
	p->max_large_body = max_large_body;
	p->large_body_fn = fn;
	p->large_body_arg = arg;
}

bool
framing_in_request(const struct framing_parser *p)
{
	return p->state != FR_LINE_START && p->state != FR_REJECTED;
}

static bool
reject(struct framing_parser *p, int status, const char *slug, const char *detail)
{
	p->state = FR_REJECTED;
	p->verdict.status = status;
	p->verdict.slug = slug;
	p->verdict.detail = detail;
	return false;
}

static bool
bad_framing(struct framing_parser *p, const char *detail)
{
	return reject(p, 400, "bad-request-framing", detail);
}

static void
request_complete(struct framing_parser *p)
{
	p->requests_complete++;
	p->state = FR_LINE_START;
}

static bool
begin_request(struct framing_parser *p)
{
	uint64_t max_head = p->max_head, max_body = p->max_body, max_large = p->max_large_body;
	uint64_t started = p->requests_started, complete = p->requests_complete;
	framing_large_fn fn = p->large_body_fn;
	void *arg = p->large_body_arg;
	framing_init(p, max_head, max_body);
	framing_allow_large_bodies(p, max_large, fn, arg);
	p->requests_started = started + 1;
	p->requests_complete = complete;
	p->state = FR_METHOD;
	return true;
}

static bool
method_end(struct framing_parser *p)
{
	p->method[p->method_len] = '\0';
	for (size_t i = 0; i < sizeof(known_methods) / sizeof(known_methods[0]); i++)
		if (strcmp(p->method, known_methods[i]) == 0)
			return true;
	return reject(p, 501, "method-not-implemented",
	              "the request method is not one this server implements");
}

static bool
version_end(struct framing_parser *p)
{
	p->version[p->version_len] = '\0';
	if (strcmp(p->version, "HTTP/1.1") == 0 || strcmp(p->version, "HTTP/1.0") == 0)
		return true;
	const char *v = p->version;
	if (p->version_len == 8 && strncmp(v, "HTTP/", 5) == 0 && v[5] >= '0' && v[5] <= '9' &&
	    v[6] == '.' && v[7] >= '0' && v[7] <= '9')
		return reject(p, 505, "http-version-not-supported",
		              "only HTTP/1.0 and HTTP/1.1 are served");
	return bad_framing(p, "the request line does not end in an HTTP version");
}

static bool
header_end(struct framing_parser *p)
{
	while (p->value_len &&
	       (p->value[p->value_len - 1] == ' ' || p->value[p->value_len - 1] == '\t'))
		p->value_len--;
	p->value[p->value_len] = '\0';
	p->name[p->name_len] = '\0';
	if (p->name_truncated)
		return true;
	if (strcmp(p->name, "content-length") == 0) {
		if (p->saw_content_length)
			return bad_framing(p, "more than one Content-Length header");
		p->saw_content_length = true;
		if (p->value_overflow || p->value_len == 0 || p->value_len > 18)
			return bad_framing(p, "Content-Length is not a valid length");
		uint64_t n = 0;
		for (size_t i = 0; i < p->value_len; i++) {
			if (p->value[i] < '0' || p->value[i] > '9')
				return bad_framing(p, "Content-Length is not a valid length");
			n = n * 10 + (uint64_t)(p->value[i] - '0');
		}
		p->content_length = n;
	} else if (strcmp(p->name, "expect") == 0) {
		/* evhttp answers any other expectation itself, in HTML. */
		if (p->value_overflow || strcasecmp(p->value, "100-continue") != 0)
			return reject(p, 417, "expectation-failed",
			              "the only expectation this server meets is 100-continue");
	} else if (strcmp(p->name, "transfer-encoding") == 0) {
		if (p->saw_transfer_encoding)
			return bad_framing(p, "more than one Transfer-Encoding header");
		p->saw_transfer_encoding = true;
		if (p->value_overflow || strcasecmp(p->value, "chunked") != 0)
			return bad_framing(p, "Transfer-Encoding must be exactly 'chunked'");
	}
	return true;
}

/*
 * Whether a body of n bytes is within this request's limit: max_body, or for
 * a request the callback allows, max_large_body. Refuses it when not: 413, or
 * 503 when the callback says not now.
 */
static bool
body_within_limit(struct framing_parser *p, uint64_t n)
{
	if (n <= p->max_body)
		return true;
	if (p->large == FRAMING_LARGE_UNASKED)
		p->large = p->large_body_fn ? p->large_body_fn(p->large_body_arg, p)
		                            : FRAMING_LARGE_REFUSED;
	if (p->large == FRAMING_LARGE_BUSY)
		return reject(p, 503, "too-many-uploads",
		              "the server is receiving as many files as it takes at once; "
		              "retry shortly");
	if (p->large == FRAMING_LARGE_ALLOWED && n <= p->max_large_body)
		return true;
	return reject(p, 413, "content-too-large",
	              "the request body is larger than this server accepts");
}

static bool
head_end(struct framing_parser *p)
{
	if (p->saw_content_length && p->saw_transfer_encoding)
		return bad_framing(p, "Content-Length together with Transfer-Encoding");
	bool http10 = strcmp(p->version, "HTTP/1.0") == 0;
	if (p->saw_transfer_encoding && http10)
		return bad_framing(p, "Transfer-Encoding in an HTTP/1.0 request");
	/* evhttp reads no body for HEAD whatever the headers say: refuse the mismatch. */
	bool bodyless = strcmp(p->method, "HEAD") == 0;
	if (bodyless && (p->saw_transfer_encoding || p->content_length > 0))
		return bad_framing(p, "a HEAD request cannot carry a body");
	if (p->saw_content_length && !body_within_limit(p, p->content_length))
		return false;
	if (p->saw_transfer_encoding) {
		p->state = FR_CHUNK_SIZE;
		p->remaining = 0;
		p->chunk_digits = 0;
	} else if (p->content_length > 0) {
		p->state = FR_BODY;
		p->remaining = p->content_length;
	} else {
		request_complete(p);
	}
	return true;
}

static bool
chunk_size_end(struct framing_parser *p)
{
	if (p->chunk_digits == 0)
		return bad_framing(p, "a chunk size is missing");
	p->body_bytes += p->remaining;
	if (!body_within_limit(p, p->body_bytes))
		return false;
	p->chunk_digits = 0;
	p->state = p->remaining == 0 ? FR_TRAILER_START : FR_CHUNK_DATA;
	return true;
}

static bool
count_head_byte(struct framing_parser *p)
{
	if (++p->head_bytes <= p->max_head)
		return true;
	return reject(p, 431, "request-header-fields-too-large",
	              "the request line and headers are larger than this server accepts");
}

/* A byte allowed in a header or trailer value: HTAB, SP, VCHAR, obs-text. */
static bool
is_field_byte(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static bool
header_name_byte(struct framing_parser *p, unsigned char c)
{
	if (c == ':') {
		if (p->name_len == 0 && !p->name_truncated)
			return bad_framing(p, "a header has no name");
		p->state = FR_HEADER_VALUE;
		return true;
	}
	if (c == ' ' || c == '\t')
		return bad_framing(p, "whitespace between a header name and its colon");
	if (!is_tchar(c))
		return bad_framing(p, "a header name has a character it cannot have");
	if (p->name_len + 1 < sizeof(p->name))
		p->name[p->name_len++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	else
		p->name_truncated = true;
	return true;
}

static bool
step(struct framing_parser *p, unsigned char c)
{
	switch (p->state) {
	case FR_LINE_START:
		if (c == '\r' || c == '\n')
			return bad_framing(p, "an empty line where a request line should be");
		begin_request(p);
		/* fall through */
	case FR_METHOD:
		if (!count_head_byte(p))
			return false;
		if (c == ' ') {
			if (p->method_len == 0)
				return bad_framing(p, "the request line has no method");
			p->state = FR_TARGET;
			return method_end(p);
		}
		if (!is_tchar(c))
			return bad_framing(p, "the method has a character a method cannot have");
		if (p->method_len + 1 >= sizeof(p->method))
			return reject(p, 501, "method-not-implemented",
			              "the request method is not one this server implements");
		p->method[p->method_len++] = (char)c;
		return true;
	case FR_TARGET:
		if (!count_head_byte(p))
			return false;
		if (c == ' ') {
			if (p->target_len == 0)
				return bad_framing(p, "the request line has no target");
			p->state = FR_VERSION;
			return true;
		}
		if (c <= 0x20 || c >= 0x7f)
			return bad_framing(p, "the request target has a byte it cannot have");
		/* Origin-form only ("/path?query", or "*" for OPTIONS): this is no proxy. */
		if (p->target_len == 0 && c != '/' &&
		    !(c == '*' && strcmp(p->method, "OPTIONS") == 0))
			return bad_framing(p, "the request target must be a path starting with /");
		if (p->target_len + 1 < sizeof(p->target))
			p->target[p->target_len] = (char)c;
		p->target_len++;
		return true;
	case FR_VERSION:
		if (!count_head_byte(p))
			return false;
		if (c == '\r' || c == '\n') {
			if (!version_end(p))
				return false;
			p->line_cr_return = FR_HEADER_START;
			p->state = c == '\r' ? FR_LINE_CR : FR_HEADER_START;
			return true;
		}
		if (c <= 0x20 || c >= 0x7f || p->version_len + 1 >= sizeof(p->version))
			return bad_framing(p, "the request line does not end in an HTTP version");
		p->version[p->version_len++] = (char)c;
		return true;
	case FR_LINE_CR:
	case FR_HEADER_CR:
		if (!count_head_byte(p))
			return false;
		if (c != '\n')
			return bad_framing(p, "a CR not followed by LF");
		if (p->state == FR_HEADER_CR && !header_end(p))
			return false;
		p->state = FR_HEADER_START;
		return true;
	case FR_HEADER_START:
		if (!count_head_byte(p))
			return false;
		if (c == '\r') {
			p->state = FR_HEAD_END_CR;
			return true;
		}
		if (c == '\n')
			return head_end(p);
		if (c == ' ' || c == '\t')
			return bad_framing(p, "a folded header line (obs-fold)");
		if (!is_tchar(c))
			return bad_framing(p, "a header name has a character it cannot have");
		p->name_len = 0;
		p->name_truncated = false;
		p->value_len = 0;
		p->value_overflow = false;
		p->state = FR_HEADER_NAME;
		return header_name_byte(p, c);
	case FR_HEADER_NAME:
		if (!count_head_byte(p))
			return false;
		return header_name_byte(p, c);
	case FR_HEADER_VALUE:
		if (!count_head_byte(p))
			return false;
		if (c == '\r') {
			p->state = FR_HEADER_CR;
			return true;
		}
		if (c == '\n') {
			p->state = FR_HEADER_START;
			return header_end(p);
		}
		if (!is_field_byte(c))
			return bad_framing(p, "a header value has a NUL or control byte");
		if ((c == ' ' || c == '\t') && p->value_len == 0)
			return true; /* leading whitespace */
		if (p->value_len + 1 < sizeof(p->value))
			p->value[p->value_len++] = (char)c;
		else
			p->value_overflow = true;
		return true;
	case FR_HEAD_END_CR:
		if (!count_head_byte(p))
			return false;
		if (c != '\n')
			return bad_framing(p, "a CR not followed by LF");
		return head_end(p);
	case FR_CHUNK_SIZE: {
		if (c == '\r') {
			p->state = FR_CHUNK_SIZE_CR;
			return true;
		}
		if (c == '\n')
			return chunk_size_end(p);
		int v = pt_hex_value(c);
		if (v < 0)
			return bad_framing(p, "a chunk size is not a hexadecimal number "
			                      "(chunk extensions are not accepted)");
		if (++p->chunk_digits > 15)
			return reject(p, 413, "content-too-large",
			              "the request body is larger than this server accepts");
		p->remaining = p->remaining * 16 + (uint64_t)v;
		return true;
	}
	case FR_CHUNK_SIZE_CR:
		if (c != '\n')
			return bad_framing(p, "a CR not followed by LF");
		return chunk_size_end(p);
	case FR_CHUNK_DATA_CR:
		if (c == '\r') {
			p->state = FR_CHUNK_DATA_LF;
			return true;
		}
		/* fall through */
	case FR_CHUNK_DATA_LF:
		if (c != '\n')
			return bad_framing(p, "chunk data longer than its declared size");
		p->state = FR_CHUNK_SIZE;
		p->remaining = 0;
		return true;
	case FR_TRAILER_START:
		if (!count_head_byte(p))
			return false;
		if (c == '\r') {
			p->state = FR_TRAILER_END_CR;
			return true;
		}
		if (c == '\n') {
			request_complete(p);
			return true;
		}
		if (!is_tchar(c))
			return bad_framing(p, "a malformed trailer line");
		p->trailer_has_colon = false;
		p->state = FR_TRAILER;
		return true;
	case FR_TRAILER:
		if (!count_head_byte(p))
			return false;
		if ((c == '\r' || c == '\n') && !p->trailer_has_colon)
			return bad_framing(p, "a trailer line without a colon");
		if (c == '\r') {
			p->state = FR_TRAILER_CR;
			return true;
		}
		if (c == '\n') {
			p->state = FR_TRAILER_START;
			return true;
		}
		if (!is_field_byte(c))
			return bad_framing(p, "a trailer has a NUL or control byte");
		if (c == ':')
			p->trailer_has_colon = true;
		return true;
	case FR_TRAILER_CR:
	case FR_TRAILER_END_CR:
		if (!count_head_byte(p))
			return false;
		if (c != '\n')
			return bad_framing(p, "a CR not followed by LF");
		if (p->state == FR_TRAILER_END_CR)
			request_complete(p);
		else
			p->state = FR_TRAILER_START;
		return true;
	case FR_BODY:
	case FR_CHUNK_DATA:
	case FR_REJECTED:
	default:
		/* Bodies are consumed in bulk by framing_feed; a refused stream stays refused. */
		return false;
	}
}

bool
framing_feed(struct framing_parser *p, const unsigned char *data, size_t len)
{
	size_t i = 0;
	while (i < len) {
		if (p->state == FR_REJECTED)
			return false;
		if (p->state == FR_BODY || p->state == FR_CHUNK_DATA) {
			size_t take = len - i;
			if ((uint64_t)take > p->remaining)
				take = (size_t)p->remaining;
			p->remaining -= take;
			p->body_seen += take;
			i += take;
			if (p->remaining == 0) {
				if (p->state == FR_BODY)
					request_complete(p);
				else
					p->state = FR_CHUNK_DATA_CR;
			}
			continue;
		}
		if (!step(p, data[i++]))
			return false;
	}
	return p->state != FR_REJECTED;
}

#include "api/etag.h"

#include <event2/http.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "http/server.h"

void
api_set_etag(struct http_ctx *ctx, const char *version)
{
	char etag[32];
	snprintf(etag, sizeof(etag), "\"%s\"", version);
	http_set_header(ctx, "ETag", etag);
}

long
api_etag_version(const char *header)
{
	size_t n = strlen(header);
	if (n < 3 || n > 12 || header[0] != '"' || header[n - 1] != '"')
		return -1;
	char digits[16];
	memcpy(digits, header + 1, n - 2);
	digits[n - 2] = '\0';
	int64_t v;
	if (!pt_parse_int64(digits, 1, 2000000000, &v) || digits[0] == '-')
		return -1;
	return (long)v;
}

long
api_required_version(struct http_ctx *ctx, const char *what)
{
	const char *match =
	    evhttp_find_header(evhttp_request_get_input_headers(ctx->req), "If-Match");
	char detail[160];
	if (!match) {
		snprintf(detail, sizeof(detail),
		         "send If-Match with the %s's ETag (from GET), so that no one's "
		         "change is overwritten unseen",
		         what);
		http_reply_problem(ctx, 428, "precondition-required", NULL, detail, NULL);
		return -1;
	}
	long version = api_etag_version(match);
	if (version < 0) {
		snprintf(detail, sizeof(detail),
		         "If-Match must be the %s's ETag, e.g. \"3\" (with the quotes); "
		         "a wildcard is not accepted",
		         what);
		http_reply_problem(ctx, 412, "stale", NULL, detail, NULL);
	}
	return version;
}

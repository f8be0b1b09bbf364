#include "api/console.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/console_assets.h"
#include "api/params.h"
#include "http/router.h"
#include "http/server.h"

static const struct console_asset *
find(bool by_source, const char *name)
{
	for (size_t i = 0; i < console_assets_count; i++) {
		const struct console_asset *a = &console_assets[i];
		if (strcmp(by_source ? a->source : a->name, name) == 0)
			return a;
	}
	return NULL;
}

/* Whether Accept-Encoding lists gzip with a q above zero (RFC 9110 12.5.3). */
static bool
accepts_gzip(struct http_ctx *ctx)
{
	const char *ae =
	    evhttp_find_header(evhttp_request_get_input_headers(ctx->req), "Accept-Encoding");
	while (ae && *ae) {
		ae += strspn(ae, " \t,");
		size_t len = strcspn(ae, ",");
		size_t name_len = strcspn(ae, ";, \t");
		if (name_len == 4 && strncasecmp(ae, "gzip", 4) == 0) {
			const char *q = memchr(ae, ';', len) ? strstr(ae, "q=") : NULL;
			if (!q || q > ae + len)
				return true;
			return strtod(q + 2, NULL) > 0;
		}
		ae += len;
	}
	return false;
}

/* Answers with asset a: 304 when the client has it, gzip'd when it takes that. */
static void
reply_asset(struct http_ctx *ctx, const struct console_asset *a, bool forever)
{
	http_set_header(ctx, "Cache-Control",
	                forever ? "public, max-age=31536000, immutable" : "no-cache");
	http_set_header(ctx, "ETag", a->etag);
	http_set_header(ctx, "Vary", "Accept-Encoding");
	if (strncmp(a->content_type, "text/html", 9) == 0)
		http_set_header(ctx, "Content-Security-Policy", CONSOLE_CSP);
	const char *inm =
	    evhttp_find_header(evhttp_request_get_input_headers(ctx->req), "If-None-Match");
	if (inm && strstr(inm, a->etag)) {
		http_reply_buffer(ctx, 304, NULL, NULL);
		return;
	}
	struct evbuffer *body = evbuffer_new();
	if (accepts_gzip(ctx)) {
		http_set_header(ctx, "Content-Encoding", "gzip");
		evbuffer_add_reference(body, a->gzip, a->gzip_len, NULL, NULL);
	} else {
		evbuffer_add_reference(body, a->data, a->len, NULL, NULL);
	}
	http_reply_buffer(ctx, 200, a->content_type, body);
	evbuffer_free(body);
}

static void
reply_named(struct http_ctx *ctx, bool by_source, const char *name)
{
	const struct console_asset *a = name ? find(by_source, name) : NULL;
	if (!a) {
		api_reply_not_found(ctx, "asset", name ? name : "");
		return;
	}
	/* Only a content-hashed name may be cached for good: its bytes never change. */
	reply_asset(ctx, a, !by_source && a->immutable);
}

void
api_console_index(struct http_ctx *ctx)
{
	reply_named(ctx, true, "index.html");
}

void
api_console_api_reference(struct http_ctx *ctx)
{
	reply_named(ctx, true, "api.html");
}

void
api_console_asset(struct http_ctx *ctx)
{
	reply_named(ctx, false, route_match_param(&ctx->match, "name"));
}

void
api_openapi_yaml(struct http_ctx *ctx)
{
	reply_named(ctx, true, "openapi.yaml");
}

void
api_openapi_json(struct http_ctx *ctx)
{
	reply_named(ctx, true, "openapi.json");
}

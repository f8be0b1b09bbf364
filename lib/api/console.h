/*
 * The web console and the API contract, served from the binary: the page at
 * /, its content-hashed assets under /assets/, the OpenAPI document and a
 * readable reference of it.
 */
#ifndef PT_API_CONSOLE_H
#define PT_API_CONSOLE_H

struct http_ctx;

void api_console_index(struct http_ctx *ctx);
void api_console_asset(struct http_ctx *ctx);
void api_console_api_reference(struct http_ctx *ctx);
void api_openapi_yaml(struct http_ctx *ctx);
void api_openapi_json(struct http_ctx *ctx);

/* The Content-Security-Policy of the console's pages: nothing inline, nothing from elsewhere. */
#define CONSOLE_CSP                                                                                \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "          \
	"connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "              \
	"form-action 'self'; frame-ancestors 'none'"

#endif

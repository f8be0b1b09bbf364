/*
 * Path routing (lib/http/router.c) over the daemon's own routing table, and
 * percent-decoding (pt_percent_decode, lib/core/util.c) under it. The first
 * byte picks the method; the rest is the path. Percent-decoding is compared
 * with a plain reference decoder and must never yield a NUL (it would cut a
 * name short where C reads it); a found route must be found again, with the
 * same parameters, when its parameters are written fully percent-encoded.
 */
#include <stdbool.h>
#include <string.h>

#include "api/routes.h"
#include "core/util.h"
#include "fuzz.h"
#include "http/router.h"

/* The reference: NULL on a bad escape or any NUL, raw or encoded. */
static char *
reference_decode(const char *s, size_t len, bool plus_is_space, size_t *outlen)
{
	char *out = malloc(len + 1);
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			if (i + 2 >= len) {
				free(out);
				return NULL;
			}
			int hi = pt_hex_value((unsigned char)s[i + 1]);
			int lo = pt_hex_value((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0) {
				free(out);
				return NULL;
			}
			c = (unsigned char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		}
		if (c == '\0') {
			free(out);
			return NULL;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

static void
check_decode(const char *s, size_t len, bool plus_is_space)
{
	size_t want_len = 0;
	char *want = reference_decode(s, len, plus_is_space, &want_len);
	char *got = pt_percent_decode(s, len, plus_is_space);
	FUZZ_CHECK((want == NULL) == (got == NULL),
	           "percent-decoding refuses exactly bad escapes and NULs");
	if (got) {
		FUZZ_CHECK(strlen(got) == want_len, "percent-decoding never yields a NUL");
		FUZZ_CHECK(memcmp(got, want, want_len) == 0,
		           "percent-decoding decodes as it should");

		/* Every byte written as %XX decodes back to itself. */
		char *enc = malloc(3 * want_len + 1);
		for (size_t i = 0; i < want_len; i++)
			snprintf(enc + 3 * i, 4, "%%%02X", (unsigned char)got[i]);
		char *back = pt_percent_decode(enc, 3 * want_len, plus_is_space);
		FUZZ_CHECK(back && strcmp(back, got) == 0,
		           "encoding then decoding is the identity");
		free(back);
		free(enc);
	}
	free(want);
	free(got);
}

/* The pattern with each {param} replaced by its value, every byte as %XX. */
static char *
rebuild_path(const struct route_match *m)
{
	const char *pat = m->route->pattern;
	size_t cap = strlen(pat) + 1;
	for (int i = 0; i < m->nparams; i++)
		cap += 3 * strlen(m->params[i].value);
	char *out = malloc(cap);
	size_t o = 0;
	int k = 0;
	for (const char *p = pat; *p;) {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			FUZZ_CHECK(k < m->nparams, "as many parameters as the pattern has");
			for (const char *v = m->params[k].value; *v; v++)
				o +=
				    (size_t)snprintf(out + o, cap - o, "%%%02X", (unsigned char)*v);
			k++;
			p = close + 1;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	FUZZ_CHECK(k == m->nparams, "as many parameters as the pattern has");
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const enum http_method methods[] = { METHOD_GET,    METHOD_HEAD,  METHOD_POST,
		                                    METHOD_PUT,    METHOD_PATCH, METHOD_DELETE,
		                                    METHOD_OPTIONS };
	enum http_method method = methods[data[0] % 7];
	const char *raw = (const char *)data + 1;
	size_t len = size - 1;

	check_decode(raw, len, false);
	check_decode(raw, len, true);

	/* The server hands the router a C string: the path up to any NUL. */
	char *path = xstrndup(raw, len);
	struct route_match m;
	unsigned allowed = 0;
	enum route_result r = router_match(routes, routes_count, method, path, &m, &allowed);
	switch (r) {
	case ROUTE_FOUND: {
		unsigned rm = m.route->method | ((m.route->method & METHOD_GET) ? METHOD_HEAD : 0);
		FUZZ_CHECK(rm & method, "the route found serves the method");
		FUZZ_CHECK(allowed & method, "the method is among those allowed");
		for (int i = 0; i < m.nparams; i++) {
			const char *v = m.params[i].value;
			FUZZ_CHECK(v && *v, "a parameter is never empty");
			FUZZ_CHECK(pt_utf8_valid(v, strlen(v)), "a parameter is UTF-8 text");
			char name[64];
			snprintf(name, sizeof(name), "%.*s", (int)m.params[i].name_len,
			         m.params[i].name);
			FUZZ_CHECK(route_match_param(&m, name) != NULL,
			           "a parameter is found by name");
		}
		char *again = rebuild_path(&m);
		struct route_match m2;
		unsigned allowed2 = 0;
		FUZZ_CHECK(router_match(routes, routes_count, method, again, &m2, &allowed2) ==
		               ROUTE_FOUND,
		           "the path written with its parameters encoded is found");
		FUZZ_CHECK(m2.route == m.route && m2.nparams == m.nparams,
		           "and finds the same route");
		for (int i = 0; i < m.nparams; i++)
			FUZZ_CHECK(strcmp(m.params[i].value, m2.params[i].value) == 0,
			           "with the same parameters");
		route_match_clear(&m2);
		free(again);
		route_match_clear(&m);
		break;
	}
	case ROUTE_METHOD_NOT_ALLOWED:
		FUZZ_CHECK(allowed != 0 && !(allowed & method),
		           "405 names other methods, not the one asked");
		FUZZ_CHECK(m.nparams == 0, "nothing is kept for a 405");
		break;
	case ROUTE_NOT_FOUND:
		FUZZ_CHECK(allowed == 0 && m.nparams == 0, "404 allows nothing and keeps nothing");
		break;
	case ROUTE_BAD_PATH:
		FUZZ_CHECK(m.nparams == 0, "nothing is kept for a bad path");
		FUZZ_CHECK(strchr(path, '%') != NULL || !pt_utf8_valid(path, strlen(path)),
		           "only an escape or bytes that are not text make a path bad");
		break;
	default:
		FUZZ_CHECK(false, "router_match answers one of its four results");
	}
	free(path);
	return 0;
}

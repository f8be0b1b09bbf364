#include <stdlib.h>

#include "http/router.h"
#include "tap.h"

static void
h1(struct http_ctx *ctx)
{
	(void)ctx;
}

static const struct route table[] = {
	{ METHOD_GET, "/healthz", h1, ACCESS_PUBLIC },
	{ METHOD_GET, "/api/v1/tasks", h1, ACCESS_PUBLIC },
	{ METHOD_POST, "/api/v1/tasks", h1, ACCESS_PUBLIC },
	{ METHOD_GET, "/api/v1/tasks/{id}", h1, ACCESS_PUBLIC },
	{ METHOD_PATCH, "/api/v1/tasks/{id}", h1, ACCESS_PUBLIC },
	{ METHOD_GET, "/api/v1/tasks/{id}/events", h1, ACCESS_PUBLIC },
	{ METHOD_PUT, "/api/v1/indicators/{code}/values/{province}/{year}", h1, ACCESS_PUBLIC },
};
#define N (sizeof(table) / sizeof(table[0]))

int
main(void)
{
	struct route_match m;
	unsigned allowed;

	CHECK(router_match(table, N, METHOD_GET, "/healthz", &m, &allowed) == ROUTE_FOUND,
	      "static path matches");
	CHECK(m.route == &table[0], "the right route");
	route_match_clear(&m);

	CHECK(router_match(table, N, METHOD_HEAD, "/healthz", &m, &allowed) == ROUTE_FOUND,
	      "HEAD matches a GET route");
	route_match_clear(&m);

	CHECK(router_match(table, N, METHOD_GET, "/api/v1/tasks/42", &m, &allowed) == ROUTE_FOUND,
	      "parameter matches");
	CHECK(m.route == &table[3], "GET /tasks/{id} chosen");
	CHECK_STR(route_match_param(&m, "id"), "42", "id captured");
	CHECK(route_match_param(&m, "nope") == NULL, "unknown parameter is NULL");
	route_match_clear(&m);

	CHECK(router_match(table, N, METHOD_PATCH, "/api/v1/tasks/7", &m, &allowed) ==
	              ROUTE_FOUND &&
	          m.route == &table[4],
	      "method picks among routes of one pattern");
	route_match_clear(&m);

	CHECK(router_match(table, N, METHOD_DELETE, "/api/v1/tasks/7", &m, &allowed) ==
	          ROUTE_METHOD_NOT_ALLOWED,
	      "other method on a known path is 405");
	CHECK(allowed == (METHOD_GET | METHOD_HEAD | METHOD_PATCH),
	      "Allow set is GET, HEAD, PATCH");
	char allow[64];
	http_methods_format(allowed, allow, sizeof(allow));
	CHECK_STR(allow, "GET, HEAD, PATCH", "Allow header text");

	CHECK(router_match(table, N, METHOD_GET, "/api/v1/tasks/7/events", &m, &allowed) ==
	              ROUTE_FOUND &&
	          m.route == &table[5],
	      "nested resource under a parameter");
	route_match_clear(&m);

	CHECK(router_match(table, N, METHOD_GET, "/nope", &m, &allowed) == ROUTE_NOT_FOUND,
	      "unknown path is 404");
	CHECK(router_match(table, N, METHOD_GET, "/healthz/", &m, &allowed) == ROUTE_NOT_FOUND,
	      "trailing slash is another path");
	CHECK(router_match(table, N, METHOD_GET, "/api/v1/tasks/", &m, &allowed) == ROUTE_NOT_FOUND,
	      "empty parameter does not match");
	CHECK(router_match(table, N, METHOD_GET, "/api/v1/tasks/1/2", &m, &allowed) ==
	          ROUTE_NOT_FOUND,
	      "extra segment does not match");

	CHECK(router_match(table, N, METHOD_PUT,
	                   "/api/v1/indicators/pat%2Fgrowth/values/CN-LN/2020", &m,
	                   &allowed) == ROUTE_FOUND,
	      "three parameters");
	CHECK_STR(route_match_param(&m, "code"), "pat/growth",
	          "percent-decoded, %%2F kept in segment");
	CHECK_STR(route_match_param(&m, "province"), "CN-LN", "second parameter");
	CHECK_STR(route_match_param(&m, "year"), "2020", "third parameter");
	route_match_clear(&m);

	CHECK(router_match(table, N, METHOD_GET, "/api/v1/tasks/%00", &m, &allowed) ==
	          ROUTE_BAD_PATH,
	      "encoded NUL is a bad path");
	CHECK(router_match(table, N, METHOD_GET, "/api/v1/tasks/%zz", &m, &allowed) ==
	          ROUTE_BAD_PATH,
	      "bad escape is a bad path");
	CHECK(router_match(table, N, METHOD_GET, "/api/v1/tasks/%4", &m, &allowed) ==
	          ROUTE_BAD_PATH,
	      "truncated escape is a bad path");
	CHECK(router_match(table, N, METHOD_GET, "/api/v1/tasks/%FF", &m, &allowed) ==
	          ROUTE_BAD_PATH,
	      "a parameter that is not UTF-8 is a bad path");
	CHECK(router_match(table, N, METHOD_GET, "", &m, &allowed) == ROUTE_NOT_FOUND,
	      "empty path is not found");
	CHECK_STR(role_name(ROLE_PROVINCE), "province", "role names");
	CHECK(role_from_name("observer") == ROLE_OBSERVER, "role from name");
	CHECK(role_from_name("root") == 0, "unknown role");
	return tap_done();
}

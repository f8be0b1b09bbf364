#include <cjson/cJSON.h>
#include <string.h>

#include "http/json_body.h"
#include "tap.h"

/* The checker's verdict on text: NULL when accepted (the document is dropped). */
static const char *
check(const char *text)
{
	cJSON *doc;
	const char *why = json_body_check(text, strlen(text), &doc);
	cJSON_Delete(doc);
	return why;
}

int
main(void)
{
	CHECK(check("{\"note\":\"ok\"}") == NULL, "an object is accepted");
	CHECK(check("{\"note\":\"a\\u0000b\"}") != NULL, "an escaped NUL is refused");
	CHECK(check("{\"a\\u0000\":1}") != NULL, "an escaped NUL in a key is refused");

	/* Found by the fuzzer's round trip (tests/fuzz/fuzz_json_body.c): printed back,
	 * {"a":"\u005cu0000"} is {"a":"\\u0000"}, which the checker used to refuse. */
	CHECK(check("{\"a\":\"\\\\u0000\"}") == NULL,
	      "an escaped backslash before u0000 is text, not a NUL");
	CHECK(check("{\"a\":\"\\u005cu0000\"}") == NULL, "the same text escaped otherwise");
	CHECK(check("{\"a\":\"\\\\\\u0000\"}") != NULL,
	      "a backslash then an escaped NUL is refused");
	CHECK(check("{\"a\":\"\\\\\"}") == NULL, "a string ending in an escaped backslash");

	CHECK(check("{\"a\":1,\"a\":2}") != NULL, "a duplicate key is refused");
	CHECK(check("[1]") != NULL, "a list is not an object");
	return tap_done();
}

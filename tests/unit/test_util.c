#include <stdlib.h>

#include "core/util.h"
#include "tap.h"

static bool
valid(const char *s)
{
	return pt_utf8_valid(s, strlen(s));
}

int
main(void)
{
	CHECK(valid("plain ascii"), "ASCII");
	CHECK(valid("知识产权局"), "CJK");
	CHECK(valid("\xf0\x9f\x98\x80"), "4-byte emoji");
	CHECK(!valid("\xc0\xaf"), "overlong slash");
	CHECK(!valid("\xe0\x80\xaf"), "overlong 3-byte");
	CHECK(!valid("\xed\xa0\x80"), "surrogate");
	CHECK(!valid("\xf4\x90\x80\x80"), "beyond U+10FFFF");
	CHECK(!valid("\xe7\x9f"), "truncated sequence");
	CHECK(!valid("\x80"), "lone continuation byte");
	CHECK(!pt_utf8_valid("a\0b", 3), "NUL");

	char *d = pt_percent_decode("a%20b+c", 7, true);
	CHECK_STR(d, "a b c", "query decoding turns + into a space");
	free(d);
	d = pt_percent_decode("a+b", 3, false);
	CHECK_STR(d, "a+b", "path decoding keeps +");
	free(d);
	d = pt_percent_decode("%E7%9F%A5", 9, false);
	CHECK_STR(d, "知", "UTF-8 escapes");
	free(d);
	CHECK(pt_percent_decode("%00", 3, false) == NULL, "encoded NUL refused");
	CHECK(pt_percent_decode("a\0b", 3, false) == NULL,
	      "raw NUL refused: the decoded string would end early (found by fuzzing)");
	CHECK(pt_percent_decode("%4", 2, false) == NULL, "truncated escape refused");
	CHECK(pt_percent_decode("%g0", 3, false) == NULL, "bad hex refused");

	int64_t v;
	CHECK(pt_parse_int64("42", 0, 100, &v) && v == 42, "parses 42");
	CHECK(!pt_parse_int64("101", 0, 100, &v), "above range");
	CHECK(!pt_parse_int64("4 2", 0, 100, &v), "embedded space");
	CHECK(!pt_parse_int64("99999999999999999999", 0, INT64_MAX, &v), "overflow");
	CHECK(!pt_parse_int64("", 0, 100, &v), "empty");
	CHECK(pt_hex_value('f') == 15 && pt_hex_value('G') == -1, "hex digits");
	return tap_done();
}

#include <string.h>

#include "core/hash_frame.h"
#include "tap.h"

int
main(void)
{
	struct hash_frame f = { 0 };
	hash_frame_begin(&f, 7, HASH_OP_CHANGE);
	hash_frame_add(&f, "new password", 12);
	hash_frame_add(&f, "", 0);
	hash_frame_add(&f, "$argon2id$x", 11);
	struct hash_parsed p;
	CHECK(hash_frame_parse(f.bytes, f.len, &p) == (long)f.len, "a whole frame is taken whole");
	CHECK(p.id == 7 && p.code == HASH_OP_CHANGE && p.count == 3,
	      "id, code and count come back");
	CHECK(strcmp(p.str[0].s, "new password") == 0 && p.str[0].len == 12,
	      "a string comes back as a C string");
	CHECK(p.str[1].len == 0 && p.str[1].s[0] == '\0', "an empty string too");
	CHECK(strcmp(p.str[2].s, "$argon2id$x") == 0, "and the last");
	for (size_t n = 0; n < f.len; n++)
		if (hash_frame_parse(f.bytes, n, &p) != 0) {
			CHECK(false, "a cut frame asks for more bytes");
			break;
		}

	/* Two frames back to back: the first alone is taken. */
	unsigned char two[512];
	size_t one = f.len;
	memcpy(two, f.bytes, one);
	memcpy(two + one, f.bytes, one);
	CHECK(hash_frame_parse(two, 2 * one, &p) == (long)one, "one frame at a time");

	/* A string's length past the frame's end, or its NUL missing. */
	unsigned char bad[512];
	memcpy(bad, f.bytes, one);
	bad[16] = 200;
	CHECK(hash_frame_parse(bad, one, &p) == -1, "a string past the end is malformed");
	memcpy(bad, f.bytes, one);
	bad[16 + 4 + 12] = 'x';
	CHECK(hash_frame_parse(bad, one, &p) == -1, "a string without its NUL is malformed");
	memcpy(bad, f.bytes, one);
	bad[12] = 2;
	CHECK(hash_frame_parse(bad, one, &p) == -1, "bytes left after the strings are malformed");

	/* Too long, too many strings. */
	uint32_t huge = HASH_FRAME_MAX + 1;
	memcpy(bad, &huge, 4);
	CHECK(hash_frame_parse(bad, 4, &p) == -1, "a frame over HASH_FRAME_MAX is refused at once");
	hash_frame_begin(&f, 1, HASH_OP_NEW);
	for (int i = 0; i <= HASH_FRAME_STRINGS; i++)
		hash_frame_add(&f, "a", 1);
	CHECK(hash_frame_parse(f.bytes, f.len, &p) == -1, "too many strings are refused");

	/* begin again reuses the bytes; clear leaves nothing. */
	hash_frame_begin(&f, 2, HASH_MATCH);
	CHECK(hash_frame_parse(f.bytes, f.len, &p) == HASH_FRAME_HEAD && p.count == 0,
	      "a frame without strings");
	hash_frame_clear(&f);
	CHECK(f.bytes == NULL && f.len == 0, "cleared");
	return tap_done();
}

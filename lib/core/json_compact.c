#include "core/json_compact.h"

#include <stdint.h>
#include <string.h>

#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Nonzero when one of w's eight bytes is a quote or a backslash (exact, no false alarms). */
static inline uint64_t
has_quote_or_backslash(uint64_t w)
{
	uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');
	return ((q - ONES) & ~q & HIGHS) | ((b - ONES) & ~b & HIGHS);
}

size_t
json_compact(char *dst, const char *src, size_t n)
{
	const char *p = src, *end = src + n;
	char *o = dst;
	while (p < end) {
		char c = *p++;
		if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
			continue;
		*o++ = c;
		if (c != '"')
			continue;
		/*
		 * Inside a string (most of an answer's bytes): eight bytes at a time
		 * while none is a quote or a backslash (the word is read whole before
		 * it is written, so dst == src is fine), then byte by byte up to it; a
		 * backslash takes the next byte with it, so an escaped quote does not
		 * end the string.
		 */
		for (;;) {
			uint64_t w, hit = 0;
			while (end - p >= 8) {
				memcpy(&w, p, 8);
				hit = has_quote_or_backslash(w);
				if (hit)
					break;
				memcpy(o, &w, 8);
				o += 8;
				p += 8;
			}
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			if (hit) {
				/*
				 * The lowest flagged byte is the first quote or backslash; a
				 * forward copy is safe in place (o <= p).
				 */
				size_t k = (size_t)__builtin_ctzll(hit) / 8;
				for (size_t i = 0; i < k; i++)
					o[i] = p[i];
				o += k;
				p += k;
			} else
#endif
			{
				while (p < end && *p != '"' && *p != '\\')
					*o++ = *p++;
				if (p == end)
					break;
			}
			c = *p++;
			*o++ = c;
			if (c == '"')
				break;
			if (p < end)
				*o++ = *p++;
		}
	}
	return (size_t)(o - dst);
}

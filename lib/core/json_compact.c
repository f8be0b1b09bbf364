#include "core/json_compact.h"

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
		 * Inside a string (most of an answer's bytes): a tight loop up to the
		 * next quote or backslash; a backslash takes the next byte with it,
		 * so an escaped quote does not end the string.
		 */
		for (;;) {
			while (p < end && *p != '"' && *p != '\\')
				*o++ = *p++;
			if (p == end)
				break;
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

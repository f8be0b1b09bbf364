#include "core/hash_frame.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static void
reserve(struct hash_frame *f, size_t more)
{
	if (f->len + more <= f->cap)
		return;
	size_t cap = f->cap ? f->cap : 256;
	while (cap < f->len + more)
		cap *= 2;
	/* Not realloc: the old bytes may hold a password and are zeroed before they go. */
	unsigned char *bytes = xmalloc(cap);
	if (f->bytes) {
		memcpy(bytes, f->bytes, f->len);
		sodium_memzero(f->bytes, f->cap);
		free(f->bytes);
	}
	f->bytes = bytes;
	f->cap = cap;
}

static void
set_u32(struct hash_frame *f, size_t at, uint32_t v)
{
	memcpy(f->bytes + at, &v, 4);
}

void
hash_frame_begin(struct hash_frame *f, uint32_t id, uint32_t code)
{
	if (f->bytes)
		sodium_memzero(f->bytes, f->cap);
	f->len = 0;
	reserve(f, HASH_FRAME_HEAD);
	set_u32(f, 4, id);
	set_u32(f, 8, code);
	set_u32(f, 12, 0);
	f->len = HASH_FRAME_HEAD;
	set_u32(f, 0, (uint32_t)(f->len - 4));
}

void
hash_frame_add(struct hash_frame *f, const char *s, size_t len)
{
	reserve(f, 4 + len + 1);
	uint32_t count;
	memcpy(&count, f->bytes + 12, 4);
	set_u32(f, 12, count + 1);
	set_u32(f, f->len, (uint32_t)len);
	memcpy(f->bytes + f->len + 4, s, len);
	f->bytes[f->len + 4 + len] = '\0';
	f->len += 4 + len + 1;
	set_u32(f, 0, (uint32_t)(f->len - 4));
}

void
hash_frame_clear(struct hash_frame *f)
{
	if (f->bytes) {
		sodium_memzero(f->bytes, f->cap);
		free(f->bytes);
	}
	f->bytes = NULL;
	f->len = f->cap = 0;
}

static uint32_t
get_u32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

long
hash_frame_parse(const unsigned char *buf, size_t n, struct hash_parsed *out)
{
	if (n < 4)
		return 0;
	uint32_t len = get_u32(buf);
	if (len < HASH_FRAME_HEAD - 4 || len > HASH_FRAME_MAX)
		return -1;
	if (n < 4 + (size_t)len)
		return 0;
	const unsigned char *end = buf + 4 + len;
	out->id = get_u32(buf + 4);
	out->code = get_u32(buf + 8);
	out->count = get_u32(buf + 12);
	if (out->count > HASH_FRAME_STRINGS)
		return -1;
	const unsigned char *p = buf + HASH_FRAME_HEAD;
	for (uint32_t i = 0; i < out->count; i++) {
		if (end - p < 4)
			return -1;
		uint32_t slen = get_u32(p);
		p += 4;
		if ((size_t)(end - p) < (size_t)slen + 1 || p[slen] != '\0')
			return -1;
		out->str[i].s = (const char *)p;
		out->str[i].len = slen;
		p += (size_t)slen + 1;
	}
	if (p != end)
		return -1;
	return (long)(4 + len);
}

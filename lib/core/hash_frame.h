/*
 * The frames the daemon and its hash helpers (core/hasher.h) exchange over a
 * socketpair: one request, one reply, in host byte order (both ends are the
 * same binary on the same machine). A frame is
 *
 *   u32 length of what follows, u32 id, u32 code, u32 count,
 *   then count strings, each a u32 length, that many bytes and a NUL (so that
 *   a parsed string is a C string where it lies).
 *
 * A request's code is an operation, a reply's an outcome (the request's id
 * comes back with it). Passwords travel in these frames and nowhere else.
 */
#ifndef PT_HASH_FRAME_H
#define PT_HASH_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

/* What follows the length word at most: 26 hashes and two passwords need far less. */
#define HASH_FRAME_MAX     65536
#define HASH_FRAME_STRINGS 32
#define HASH_FRAME_HEAD    16

enum hash_op {
	/* [password, hash]: MATCH (with [new hash] when it was made with old parameters)
	 * or NO_MATCH. An empty hash is the helper's dummy: an unknown user. */
	HASH_OP_VERIFY = 1,
	/* [password, recent hashes...]: REUSED or HASHED [hash]. */
	HASH_OP_NEW,
	/* [password, current, current hash, recent hashes...]: CURRENT_WRONG, REUSED or
	 * HASHED [hash]. An empty current hash is a wrong current password. */
	HASH_OP_CHANGE,
};

enum hash_outcome {
	HASH_MATCH = 1,
	HASH_NO_MATCH,
	HASH_HASHED,
	HASH_CURRENT_WRONG,
	HASH_REUSED,
	HASH_FAILED, /* the helper ran out of memory */
	HASH_LOST,   /* no helper answered: it died, or the daemon is stopping (never sent) */
};

struct hash_string {
	const char *s;
	size_t len;
};

/* A frame being built: malloc'd bytes, zeroed before they are freed. */
struct hash_frame {
	unsigned char *bytes;
	size_t len, cap;
};

/* Starts a frame (any bytes already in f are zeroed and reused). */
void hash_frame_begin(struct hash_frame *f, uint32_t id, uint32_t code);
/* Appends a string of len bytes. */
void hash_frame_add(struct hash_frame *f, const char *s, size_t len);
/* Zeroes and frees the bytes; f may be reused after hash_frame_begin. */
void hash_frame_clear(struct hash_frame *f);

/* A frame received, pointing into the bytes it was parsed from. */
struct hash_parsed {
	uint32_t id, code, count;
	struct hash_string str[HASH_FRAME_STRINGS];
};

/*
 * Parses the frame at the start of buf (n bytes). Returns the bytes it took,
 * 0 when more bytes are needed, -1 when it is malformed (too long, too many
 * strings, a string past its end): the sender is not trusted to be sane.
 */
long hash_frame_parse(const unsigned char *buf, size_t n, struct hash_parsed *out) PT_WARN_UNUSED;

#endif

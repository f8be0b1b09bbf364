/*
 * The hash helper process (core/hasher.h): reads a request from descriptor 3,
 * answers it, and again, until the daemon closes its end. Blocking I/O: it
 * does one thing at a time and nothing else.
 */
#define _GNU_SOURCE /* close_range */
#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/hash_frame.h"
#include "core/hasher.h"
#include "core/log.h"
#include "core/password.h"

#define FD 3

static unsigned char in[4 + HASH_FRAME_MAX];

/* False at end of file (or on an error: either way the daemon is gone). */
static bool
read_full(unsigned char *buf, size_t n)
{
	while (n > 0) {
		ssize_t r = read(FD, buf, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		buf += r;
		n -= (size_t)r;
	}
	return true;
}

static bool
write_full(const unsigned char *buf, size_t n)
{
	while (n > 0) {
		ssize_t r = send(FD, buf, n, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return false;
		buf += r;
		n -= (size_t)r;
	}
	return true;
}

/* True when password matches one of the hashes. */
static bool
matches_any(const char *password, const struct hash_string *hashes, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (password_verify(hashes[i].s, password))
			return true;
	return false;
}

/* Hashes password into reply (HASHED [hash]) or says FAILED. */
static void
hash_into(struct hash_frame *reply, uint32_t id, const char *password)
{
	char hash[PASSWORD_HASH_MAX];
	if (!password_hash(password, hash)) {
		hash_frame_begin(reply, id, HASH_FAILED);
		return;
	}
	hash_frame_begin(reply, id, HASH_HASHED);
	hash_frame_add(reply, hash, strlen(hash));
}

/* Fills reply for request p; false when p is not a request this helper knows. */
static bool
serve(const struct hash_parsed *p, struct hash_frame *reply)
{
	const struct hash_string *s = p->str;
	switch (p->code) {
	case HASH_OP_VERIFY: {
		if (p->count != 2)
			return false;
		/* An unknown user is checked against the dummy: the same cost, the same answer. */
		const char *hash = s[1].len ? s[1].s : password_dummy_hash();
		if (!password_verify(hash, s[0].s)) {
			hash_frame_begin(reply, p->id, HASH_NO_MATCH);
			return true;
		}
		/* Rehash on login; without memory for it, the old hash stays. */
		char fresh[PASSWORD_HASH_MAX];
		hash_frame_begin(reply, p->id, HASH_MATCH);
		if (s[1].len && password_needs_rehash(hash) && password_hash(s[0].s, fresh))
			hash_frame_add(reply, fresh, strlen(fresh));
		return true;
	}
	case HASH_OP_NEW:
		if (p->count < 1)
			return false;
		if (matches_any(s[0].s, s + 1, p->count - 1))
			hash_frame_begin(reply, p->id, HASH_REUSED);
		else
			hash_into(reply, p->id, s[0].s);
		return true;
	case HASH_OP_CHANGE:
		if (p->count < 3)
			return false;
		if (!s[2].len || !password_verify(s[2].s, s[1].s))
			hash_frame_begin(reply, p->id, HASH_CURRENT_WRONG);
		else if (matches_any(s[0].s, s + 3, p->count - 3))
			hash_frame_begin(reply, p->id, HASH_REUSED);
		else
			hash_into(reply, p->id, s[0].s);
		return true;
	default:
		return false;
	}
}

int
hasher_helper_main(int argc, char **argv)
{
	/* Die with the daemon, even one killed outright; and if it is gone already, go. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || argc < 3 ||
	    getppid() != (pid_t)strtol(argv[2], NULL, 10)) {
		fprintf(stderr, "policytrackd: %s is for the daemon's own use\n",
		        HASHER_HELPER_FLAG);
		return 2;
	}
	int type;
	socklen_t len = sizeof(type);
	if (getsockopt(FD, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) {
		fprintf(stderr, "policytrackd: %s is for the daemon's own use\n",
		        HASHER_HELPER_FLAG);
		return 2;
	}
	/* Started as /proc/self/exe, it would be "exe" in ps and top. */
	(void)prctl(PR_SET_NAME, "pt-hash-helper", 0, 0, 0);
	/* Nothing to gain from a setuid program, and no descriptor but the socket and stderr. */
	(void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	(void)close_range(FD + 1, ~0U, 0);
	/* Hashing yields the cores to the daemon and everything else. */
	(void)setpriority(PRIO_PROCESS, 0, 19);
	/* The daemon ignores SIGPIPE, and exec keeps that; here a gone daemon may simply end us. */
	signal(SIGPIPE, SIG_DFL);
	if (sodium_init() < 0) {
		log_msg(LOG_ERROR, "hash helper stopped", "libsodium failed to initialise");
		return 1;
	}
	/* Made now, so the first unknown-user sign-in costs what any other does. */
	(void)password_dummy_hash();
	struct hash_frame reply = { 0 };
	int status = 0;
	while (read_full(in, 4)) {
		uint32_t n;
		memcpy(&n, in, 4);
		struct hash_parsed p;
		if (n > HASH_FRAME_MAX || !read_full(in + 4, n) ||
		    hash_frame_parse(in, 4 + (size_t)n, &p) <= 0 || !serve(&p, &reply)) {
			log_msg(LOG_ERROR, "hash helper stopped", "a malformed request");
			status = 1;
			break;
		}
		/* The password goes as soon as it is answered. */
		sodium_memzero(in, 4 + (size_t)n);
		if (!write_full(reply.bytes, reply.len))
			break;
	}
	sodium_memzero(in, sizeof(in));
	hash_frame_clear(&reply);
	return status;
}

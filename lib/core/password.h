/*
 * Passwords: argon2id through libsodium's crypto_pwhash_str, at libsodium's
 * INTERACTIVE limits (2 passes, 64 MiB: above OWASP's minimum of 2 passes,
 * 19 MiB). Hashing and verifying are slow on purpose; the daemon runs them on
 * its worker threads, never on the loop.
 */
#ifndef PT_PASSWORD_H
#define PT_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/util.h"

#define PASSWORD_MAX_BYTES 1024
#define PASSWORD_HASH_MAX  128 /* crypto_pwhash_STRBYTES */

/*
 * What a new password must be (the deployment's --password-min-length and
 * --password-min-classes): at least min_chars characters mixing at least
 * min_classes of the four classes: lower-case letters, upper-case letters,
 * digits, anything else (punctuation, spaces, Chinese characters).
 */
struct password_rules {
	long min_chars;
	long min_classes;
};

/*
 * Why a password is refused, written into why (NULL returned if acceptable):
 * at most 1024 bytes of valid UTF-8, then the rules.
 */
const char *password_policy_error(const char *password, const struct password_rules *rules,
                                  char *why, size_t whylen);

/* The classes of the four above that password uses (0-4). */
int password_classes(const char *password);

/* Hashes into out (PASSWORD_HASH_MAX bytes). False only when out of memory. */
bool password_hash(const char *password, char out[PASSWORD_HASH_MAX]) PT_WARN_UNUSED;

/* True when password matches hash. */
bool password_verify(const char *hash, const char *password);

/* True when hash was made with other parameters than today's: rehash on login. */
bool password_needs_rehash(const char *hash);

/*
 * A hash of a random password, made once: verifying against it costs what a
 * real verification costs, so an unknown username takes as long as a wrong
 * password.
 */
const char *password_dummy_hash(void);

#endif

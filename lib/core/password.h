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

#define PASSWORD_MIN_CHARS 12
#define PASSWORD_MAX_BYTES 1024
#define PASSWORD_HASH_MAX  128 /* crypto_pwhash_STRBYTES */

/* Why a password is refused (NULL if acceptable): length in characters, valid UTF-8. */
const char *password_policy_error(const char *password);

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

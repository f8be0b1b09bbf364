#include "core/password.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define OPSLIMIT crypto_pwhash_OPSLIMIT_INTERACTIVE
#define MEMLIMIT crypto_pwhash_MEMLIMIT_INTERACTIVE

const char *
password_policy_error(const char *password)
{
	size_t bytes = strlen(password);
	if (bytes > PASSWORD_MAX_BYTES)
		return "must be at most 1024 bytes";
	if (!pt_utf8_valid(password, bytes))
		return "must be valid UTF-8 text";
	if (pt_utf8_chars(password) < PASSWORD_MIN_CHARS)
		return "must be at least 12 characters";
	return NULL;
}

bool
password_hash(const char *password, char out[PASSWORD_HASH_MAX])
{
	return crypto_pwhash_str(out, password, strlen(password), OPSLIMIT, MEMLIMIT) == 0;
}

bool
password_verify(const char *hash, const char *password)
{
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

bool
password_needs_rehash(const char *hash)
{
	return crypto_pwhash_str_needs_rehash(hash, OPSLIMIT, MEMLIMIT) != 0;
}

static char dummy[PASSWORD_HASH_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void
make_dummy(void)
{
	char random_password[33];
	unsigned char raw[16];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(random_password, sizeof(random_password), raw, sizeof(raw));
	if (!password_hash(random_password, dummy))
		abort();
}

const char *
password_dummy_hash(void)
{
	pthread_once(&dummy_once, make_dummy);
	return dummy;
}

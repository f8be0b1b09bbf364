#include "core/password.h"

#include <pthread.h>
#include <stdio.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define OPSLIMIT crypto_pwhash_OPSLIMIT_INTERACTIVE
#define MEMLIMIT crypto_pwhash_MEMLIMIT_INTERACTIVE

int
password_classes(const char *password)
{
	bool lower = false, upper = false, digit = false, other = false;
	for (const unsigned char *c = (const unsigned char *)password; *c; c++) {
		if (*c >= 'a' && *c <= 'z')
			lower = true;
		else if (*c >= 'A' && *c <= 'Z')
			upper = true;
		else if (*c >= '0' && *c <= '9')
			digit = true;
		else
			other = true; /* punctuation, space, and any non-ASCII character */
	}
	return lower + upper + digit + other;
}

const char *
password_policy_error(const char *password, const struct password_rules *rules, char *why,
                      size_t whylen)
{
	size_t bytes = strlen(password);
	if (bytes > PASSWORD_MAX_BYTES)
		return "must be at most 1024 bytes";
	if (!pt_utf8_valid(password, bytes))
		return "must be valid UTF-8 text";
	if ((long)pt_utf8_chars(password) < rules->min_chars) {
		snprintf(why, whylen, "must be at least %ld characters", rules->min_chars);
		return why;
	}
	int classes = password_classes(password);
	if (classes < rules->min_classes) {
		snprintf(
		    why, whylen,
		    "must mix at least %ld of: lower-case letters, upper-case letters, digits, "
		    "other characters (it has %d)",
		    rules->min_classes, classes);
		return why;
	}
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

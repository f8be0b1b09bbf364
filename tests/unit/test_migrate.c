#include <sodium.h>
#include <stdlib.h>

#include "pg/migrate.h"
#include "tap.h"

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	char sum[65];
	migration_checksum("", sum);
	CHECK_STR(sum, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	          "SHA-256 of the empty string");
	migration_checksum("abc", sum);
	CHECK_STR(sum, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	          "SHA-256 of abc");
	char other[65];
	migration_checksum("abd", other);
	CHECK(strcmp(sum, other) != 0, "one changed byte changes the checksum");

	CHECK(migrations_count >= 1, "migrations are embedded (%zu)", migrations_count);
	for (size_t i = 0; i < migrations_count; i++) {
		CHECK(migrations[i].version == (int)i + 1, "migration %zu is numbered %d", i,
		      migrations[i].version);
		CHECK(strlen(migrations[i].sql) > 0, "migration %d has SQL", migrations[i].version);
	}
	CHECK(migration_latest() == &migrations[migrations_count - 1], "latest is the last");
	return tap_done();
}

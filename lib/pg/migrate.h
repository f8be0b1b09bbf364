/*
 * Schema migrations: the SQL files of migrations/ are compiled into the
 * binaries (migrations_data.c, generated at build time), so the daemon knows
 * which schema it needs and the CLI applies exactly what was built and tested.
 */
#ifndef PT_MIGRATE_H
#define PT_MIGRATE_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdio.h>

struct migration {
	int version;
	const char *name;
	const char *sql;
};

/* Generated from migrations/NNNN_name.sql, in version order. */
extern const struct migration migrations[];
extern const size_t migrations_count;

/* SHA-256 of the file's bytes as 64 hex digits plus NUL. */
void migration_checksum(const char *sql, char out[65]);

/* The last migration of this build (NULL if there are none). */
const struct migration *migration_latest(void);

/*
 * Applies pending migrations on a blocking connection (CLI only), each in its
 * own transaction, under an advisory lock. Returns 0, or 1 with the reason on err.
 */
int migrate_apply(PGconn *conn, FILE *out, FILE *err);

/* Lists every migration as "VERSION NAME applied|pending". Returns 0 or 1. */
int migrate_status(PGconn *conn, FILE *out, FILE *err);

#endif

#include "pg/migrate.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "pg/sql.h"
#include "pg/sql_names.h"

/* Any fixed number will do, as long as nothing else in the database uses it. */
#define MIGRATION_LOCK_KEY "7301958412"

void
migration_checksum(const char *sql, char out[65])
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(digest, (const unsigned char *)sql, strlen(sql));
	sodium_bin2hex(out, 65, digest, sizeof(digest));
}

const struct migration *
migration_latest(void)
{
	return migrations_count ? &migrations[migrations_count - 1] : NULL;
}

/*
 * Runs text whole (a migration, a definition, or BEGIN/COMMIT: transaction
 * control stays out of sql/, which holds what can be prepared and planned).
 */
static bool
exec_ok(PGconn *conn, const char *sql, FILE *err, const char *what)
{
	PGresult *r = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(r);
	bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(err, "policytrack migrate: %s failed: %s", what, PQerrorMessage(conn));
	PQclear(r);
	return ok;
}

/* Runs a bookkeeping statement of sql/migrate; the caller clears the result. */
static PGresult *
run(PGconn *conn, const struct sql_statement *st, const char *const *values)
{
	return PQexecParams(conn, st->text, st->nparams, NULL, values, NULL, NULL, 0);
}

static bool
run_ok(PGconn *conn, const struct sql_statement *st, const char *const *values, FILE *err,
       const char *what)
{
	PGresult *r = run(conn, st, values);
	ExecStatusType status = PQresultStatus(r);
	bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(err, "policytrack migrate: %s failed: %s", what, PQerrorMessage(conn));
	PQclear(r);
	return ok;
}

static const struct migration *
find_migration(int version)
{
	for (size_t i = 0; i < migrations_count; i++)
		if (migrations[i].version == version)
			return &migrations[i];
	return NULL;
}

/* Checks what the database recorded against this build. Returns the result or NULL. */
static PGresult *
read_applied(PGconn *conn, FILE *err)
{
	PGresult *r = run(conn, &sql_schema_migrations_list, NULL);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(err, "policytrack migrate: reading schema_migrations failed: %s",
		        PQerrorMessage(conn));
		PQclear(r);
		return NULL;
	}
	for (int i = 0; i < PQntuples(r); i++) {
		int version = atoi(PQgetvalue(r, i, 0));
		const struct migration *m = find_migration(version);
		if (!m) {
			fprintf(
			    err,
			    "policytrack migrate: the database has migration %04d (%s), which "
			    "this build does not know: it was migrated by a newer policytrack\n",
			    version, PQgetvalue(r, i, 1));
			PQclear(r);
			return NULL;
		}
		char sum[65];
		migration_checksum(m->sql, sum);
		if (strcmp(sum, PQgetvalue(r, i, 2)) != 0) {
			fprintf(
			    err,
			    "policytrack migrate: migration %04d (%s) was changed after it was "
			    "applied: recorded checksum %s, file checksum %s. Applied migrations "
			    "must not be edited; add a new migration instead.\n",
			    version, m->name, PQgetvalue(r, i, 2), sum);
			PQclear(r);
			return NULL;
		}
	}
	return r;
}

static bool
is_applied(PGresult *applied, int version)
{
	for (int i = 0; i < PQntuples(applied); i++)
		if (atoi(PQgetvalue(applied, i, 0)) == version)
			return true;
	return false;
}

static bool
apply_one(PGconn *conn, const struct migration *m, FILE *out, FILE *err)
{
	if (!exec_ok(conn, "BEGIN", err, "BEGIN"))
		return false;
	PGresult *r = PQexec(conn, m->sql);
	ExecStatusType st = PQresultStatus(r);
	PQclear(r);
	if ((st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) &&
	    PQtransactionStatus(conn) != PQTRANS_INTRANS) {
		/* A file that ends our transaction would be recorded apart from its effects. */
		fprintf(err,
		        "policytrack migrate: migration %04d (%s) must not COMMIT or ROLLBACK\n",
		        m->version, m->name);
		PQclear(PQexec(conn, "ROLLBACK"));
		return false;
	}
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		fprintf(err, "policytrack migrate: migration %04d (%s) failed: %s", m->version,
		        m->name, PQerrorMessage(conn));
		PQclear(PQexec(conn, "ROLLBACK"));
		return false;
	}
	char version[16], sum[65];
	snprintf(version, sizeof(version), "%d", m->version);
	migration_checksum(m->sql, sum);
	const char *params[] = { version, m->name, sum };
	r = run(conn, &sql_schema_migration_record, params);
	st = PQresultStatus(r);
	PQclear(r);
	if (st != PGRES_COMMAND_OK) {
		fprintf(err, "policytrack migrate: recording migration %04d failed: %s", m->version,
		        PQerrorMessage(conn));
		PQclear(PQexec(conn, "ROLLBACK"));
		return false;
	}
	if (!exec_ok(conn, "COMMIT", err, "COMMIT"))
		return false;
	fprintf(out, "applied %04d %s\n", m->version, m->name);
	return true;
}

/* The checksum recorded for definition name, or NULL (r: name, checksum rows). */
static const char *
recorded_checksum(PGresult *r, const char *name)
{
	for (int i = 0; r && i < PQntuples(r); i++)
		if (strcmp(PQgetvalue(r, i, 0), name) == 0)
			return PQgetvalue(r, i, 1);
	return NULL;
}

static PGresult *
read_definitions(PGconn *conn, FILE *err)
{
	PGresult *r = run(conn, &sql_schema_definitions_list, NULL);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(err, "policytrack migrate: reading schema_definitions failed: %s",
		        PQerrorMessage(conn));
		PQclear(r);
		return NULL;
	}
	return r;
}

/*
 * Applies the repeatable definitions (sql/definitions: functions, views) whose
 * text differs from what the database recorded, in name order, all in one
 * transaction after the migrations: the schema a definition needs exists by
 * then, and a failure leaves every definition as it was.
 */
static bool
apply_definitions(PGconn *conn, FILE *out, FILE *err)
{
	if (!run_ok(conn, &sql_schema_definitions_create, NULL, err, "creating schema_definitions"))
		return false;
	if (!run_ok(conn, &sql_schema_definitions_grant, NULL, err, "granting schema_definitions"))
		return false;
	PGresult *recorded = read_definitions(conn, err);
	if (!recorded)
		return false;
	bool ok = exec_ok(conn, "BEGIN", err, "BEGIN");
	int count = 0;
	for (size_t i = 0; ok && i < sql_definitions_count; i++) {
		const struct sql_definition *d = &sql_definitions[i];
		char sum[65];
		migration_checksum(d->text, sum);
		const char *had = recorded_checksum(recorded, d->name);
		if (had && strcmp(had, sum) == 0)
			continue;
		PGresult *r = PQexec(conn, d->text);
		ExecStatusType st = PQresultStatus(r);
		PQclear(r);
		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
			fprintf(err, "policytrack migrate: definition %s failed: %s", d->name,
			        PQerrorMessage(conn));
			ok = false;
			break;
		}
		if (PQtransactionStatus(conn) != PQTRANS_INTRANS) {
			fprintf(err,
			        "policytrack migrate: definition %s must not COMMIT or ROLLBACK\n",
			        d->name);
			ok = false;
			break;
		}
		const char *params[] = { d->name, sum };
		r = run(conn, &sql_schema_definition_record, params);
		st = PQresultStatus(r);
		PQclear(r);
		if (st != PGRES_COMMAND_OK) {
			fprintf(err, "policytrack migrate: recording definition %s failed: %s",
			        d->name, PQerrorMessage(conn));
			ok = false;
			break;
		}
		fprintf(out, "defined %s\n", d->name);
		count++;
	}
	PQclear(recorded);
	if (!ok) {
		PQclear(PQexec(conn, "ROLLBACK"));
		return false;
	}
	if (!exec_ok(conn, "COMMIT", err, "COMMIT"))
		return false;
	if (count == 0 && sql_definitions_count > 0)
		fprintf(out, "definitions are up to date (%zu)\n", sql_definitions_count);
	return true;
}

int
migrate_apply(PGconn *conn, FILE *out, FILE *err)
{
	/* Concurrent runs queue here; the second finds nothing left to do. */
	const char *lock[] = { MIGRATION_LOCK_KEY };
	if (!run_ok(conn, &sql_migrate_lock, lock, err, "locking"))
		return 1;
	int status = 1;
	PGresult *applied = NULL;
	if (!run_ok(conn, &sql_schema_migrations_create, NULL, err, "creating schema_migrations"))
		goto done;
	applied = read_applied(conn, err);
	if (!applied)
		goto done;
	int count = 0;
	/* Applied migrations must be a prefix of this build's list: no gaps filled out of order. */
	for (size_t i = 0; i + 1 < migrations_count; i++) {
		if (!is_applied(applied, migrations[i].version) &&
		    is_applied(applied, migrations[i + 1].version)) {
			fprintf(err,
			        "policytrack migrate: migration %04d (%s) is missing but a later "
			        "one is "
			        "applied; refusing to apply it out of order\n",
			        migrations[i].version, migrations[i].name);
			goto done;
		}
	}
	for (size_t i = 0; i < migrations_count; i++) {
		if (is_applied(applied, migrations[i].version))
			continue;
		if (!apply_one(conn, &migrations[i], out, err))
			goto done;
		count++;
	}
	const struct migration *latest = migration_latest();
	if (count == 0)
		fprintf(out, "schema is up to date at %04d\n", latest ? latest->version : 0);
	if (!apply_definitions(conn, out, err))
		goto done;
	status = 0;
done:
	PQclear(applied);
	PQclear(run(conn, &sql_migrate_unlock, lock));
	return status;
}

int
migrate_status(PGconn *conn, FILE *out, FILE *err)
{
	const char *migrations_table[] = { "schema_migrations" };
	PGresult *exists = run(conn, &sql_schema_table_exists, migrations_table);
	if (PQresultStatus(exists) != PGRES_TUPLES_OK) {
		fprintf(err, "policytrack migrate: %s", PQerrorMessage(conn));
		PQclear(exists);
		return 1;
	}
	bool has_table = strcmp(PQgetvalue(exists, 0, 0), "t") == 0;
	PQclear(exists);
	PGresult *applied = NULL;
	if (has_table) {
		applied = read_applied(conn, err);
		if (!applied)
			return 1;
	}
	for (size_t i = 0; i < migrations_count; i++)
		fprintf(out, "%04d %s %s\n", migrations[i].version, migrations[i].name,
		        applied && is_applied(applied, migrations[i].version) ? "applied"
		                                                              : "pending");
	PQclear(applied);
	PGresult *defs = NULL;
	const char *definitions_table[] = { "schema_definitions" };
	PGresult *has_defs = run(conn, &sql_schema_table_exists, definitions_table);
	if (PQresultStatus(has_defs) == PGRES_TUPLES_OK &&
	    strcmp(PQgetvalue(has_defs, 0, 0), "t") == 0)
		defs = read_definitions(conn, err);
	PQclear(has_defs);
	for (size_t i = 0; i < sql_definitions_count; i++) {
		char sum[65];
		migration_checksum(sql_definitions[i].text, sum);
		const char *had = recorded_checksum(defs, sql_definitions[i].name);
		fprintf(out, "definition %s %s\n", sql_definitions[i].name,
		        !had                    ? "pending"
		        : strcmp(had, sum) == 0 ? "applied"
		                                : "changed");
	}
	PQclear(defs);
	return 0;
}

/*
 * `policytrack import document`: loads a policy document in the format of
 * docs/import.md (JSON, its measures optionally as CSV) through
 * document_import() in the database, which checks it whole and applies it
 * in one transaction, or with --dry-run only says what it would do.
 * `policytrack migrate` imports the bundled documents the same way.
 */
#ifndef PT_IMPORT_H
#define PT_IMPORT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>

struct import_options {
	const char *path;     /* the JSON file */
	const char *csv_path; /* its sections and measures as CSV, or NULL */
	bool dry_run;
	bool json; /* print the database's answer as JSON */
};

/* Imports one file. Returns 0, or 1 after saying why on err (every problem, located). */
int import_document(PGconn *conn, const struct import_options *o, FILE *out, FILE *err);

/*
 * Imports each bundled document unless its latest version came from a person
 * (the API or the command line): those are theirs to keep. Returns 0 or 1.
 */
int import_bundled_documents(PGconn *conn, FILE *out, FILE *err);

#endif

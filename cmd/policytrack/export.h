/*
 * `policytrack export catalogue`: every measure with its agencies, provinces
 * and localities by name, for people who review the mapping in a spreadsheet
 * (CSV), for tools (JSON), and for docs/catalogue.md (Markdown). Runs on a
 * blocking connection: CLI only.
 */
#ifndef PT_EXPORT_H
#define PT_EXPORT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>

enum export_format { EXPORT_CSV, EXPORT_JSON, EXPORT_MARKDOWN };

bool export_format_parse(const char *name, enum export_format *out);

/* 0 when a document of this code exists, else 1 with the codes there are on err. */
int export_check_document(PGconn *conn, const char *document, FILE *err);

/*
 * Writes the catalogue to out: every document's measures, or only those of
 * document (its code, checked first) when not NULL. Returns 0, or 1 with the
 * reason on err.
 */
int export_catalogue(PGconn *conn, enum export_format format, const char *document, FILE *out,
                     FILE *err);

/* Writes one document in the import format (docs/import.md). Returns 0, or 1 with the reason. */
int export_document(PGconn *conn, const char *code, FILE *out, FILE *err);

#endif

#include "export.h"

#include <string.h>

#include "core/csv.h"
#include "core/util.h"
#include "pg/sql_names.h"

bool
export_format_parse(const char *name, enum export_format *out)
{
	if (strcmp(name, "csv") == 0)
		*out = EXPORT_CSV;
	else if (strcmp(name, "json") == 0)
		*out = EXPORT_JSON;
	else if (strcmp(name, "markdown") == 0)
		*out = EXPORT_MARKDOWN;
	else
		return false;
	return true;
}

/* A Markdown table cell: pipes escaped, line breaks folded. */
static void
markdown_cell(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", out);
		else if (*s == '\n' || *s == '\r')
			fputc(' ', out);
		else
			fputc(*s, out);
	}
}

static void
file_sink(void *out, const void *bytes, size_t len)
{
	fwrite(bytes, 1, len, out);
}

/* The rows as CSV, headed by the statement's column names. */
static void
write_csv(PGresult *r, FILE *out)
{
	struct csv_writer w;
	csv_begin(&w, file_sink, out);
	for (int c = 0; c < PQnfields(r); c++)
		csv_field(&w, PQfname(r, c));
	csv_end_record(&w);
	for (int i = 0; i < PQntuples(r); i++) {
		for (int c = 0; c < PQnfields(r); c++)
			csv_field(&w, PQgetvalue(r, i, c));
		csv_end_record(&w);
	}
}

static void
write_markdown(PGresult *r, FILE *out)
{
	static const char *const names[] = {
		"code",       "text_zh",      "text_en",       "lead_en",
		"support_en", "provinces_en", "localities_zh",
	};
	int cells[PT_ARRAY_LEN(names)];
	for (size_t c = 0; c < PT_ARRAY_LEN(names); c++)
		cells[c] = PQfnumber(r, names[c]);
	fputs("| code | 措施 | measure | lead | support | provinces | localities |\n"
	      "| --- | --- | --- | --- | --- | --- | --- |\n",
	      out);
	for (int i = 0; i < PQntuples(r); i++) {
		for (size_t c = 0; c < PT_ARRAY_LEN(cells); c++) {
			fputs(c ? " | " : "| ", out);
			markdown_cell(out, PQgetvalue(r, i, cells[c]));
		}
		fputs(" |\n", out);
	}
}

int
export_check_document(PGconn *conn, const char *document, FILE *err)
{
	const char *values[] = { document };
	PGresult *r =
	    PQexecParams(conn, sql_export_document_check.text, 1, NULL, values, NULL, NULL, 0);
	int rc = 0;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(err, "policytrack export: reading the documents failed: %s",
		        PQerrorMessage(conn));
		rc = 1;
	} else if (strcmp(PQgetvalue(r, 0, 0), "t") != 0) {
		fprintf(err, "policytrack export: there is no document '%s' (there are: %s)\n",
		        document, PQgetvalue(r, 0, 1));
		rc = 1;
	}
	PQclear(r);
	return rc;
}

int
export_catalogue(PGconn *conn, enum export_format format, const char *document, FILE *out,
                 FILE *err)
{
	const struct sql_statement *st =
	    format == EXPORT_JSON ? &sql_export_catalogue_json : &sql_export_catalogue_rows;
	const char *values[] = { document };
	PGresult *r = PQexecParams(conn, st->text, st->nparams, NULL, values, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(err, "policytrack export: reading the catalogue failed: %s",
		        PQerrorMessage(conn));
		PQclear(r);
		return 1;
	}
	switch (format) {
	case EXPORT_CSV:
		write_csv(r, out);
		break;
	case EXPORT_JSON:
		fputs(PQgetvalue(r, 0, 0), out);
		fputc('\n', out);
		break;
	case EXPORT_MARKDOWN:
		write_markdown(r, out);
		break;
	}
	PQclear(r);
	if (fflush(out) != 0 || ferror(out)) {
		fprintf(err, "policytrack export: writing the output failed\n");
		return 1;
	}
	return 0;
}

int
export_document(PGconn *conn, const char *code, FILE *out, FILE *err)
{
	const char *values[] = { code };
	PGresult *r = PQexecParams(conn, sql_document_export.text, sql_document_export.nparams,
	                           NULL, values, NULL, NULL, 0);
	int rc = 1;
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fprintf(err, "policytrack export: reading document %s failed: %s", code,
		        PQresultErrorMessage(r));
	else if (PQntuples(r) == 0)
		fprintf(err, "policytrack export: there is no document %s\n", code);
	else if (fprintf(out, "%s\n", PQgetvalue(r, 0, 0)) > 0)
		rc = 0;
	PQclear(r);
	return rc;
}

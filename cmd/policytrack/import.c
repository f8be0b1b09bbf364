#include "import.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bundled.h"
#include "core/import_csv.h"
#include "core/util.h"
#include "http/json_body.h"
#include "pg/sql_names.h"

/* Larger than any document; a file this big is a mistake, not a notice. */
#define MAX_FILE_BYTES (64L << 20)

/* The whole file, NUL-terminated; NULL after saying why. */
static char *
read_file(const char *path, size_t *len, FILE *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(err, "policytrack import: cannot read %s: %s\n", path, strerror(errno));
		return NULL;
	}
	size_t cap = 1 << 16, n = 0;
	char *buf = xmalloc(cap + 1);
	size_t got;
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			if (cap >= (size_t)MAX_FILE_BYTES) {
				fprintf(err, "policytrack import: %s is larger than %ld MiB\n",
				        path, MAX_FILE_BYTES >> 20);
				free(buf);
				fclose(f);
				return NULL;
			}
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
	}
	bool failed = ferror(f);
	fclose(f);
	if (failed) {
		fprintf(err, "policytrack import: cannot read %s\n", path);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* One problem as a line: where (file and pointer, or CSV line and column), then why. */
static void
print_problem(const cJSON *p, const char *path, const char *csv_path, FILE *err)
{
	const cJSON *line = cJSON_GetObjectItemCaseSensitive(p, "line");
	const cJSON *column = cJSON_GetObjectItemCaseSensitive(p, "column");
	const cJSON *field = cJSON_GetObjectItemCaseSensitive(p, "field");
	const cJSON *pointer = cJSON_GetObjectItemCaseSensitive(p, "pointer");
	const cJSON *detail = cJSON_GetObjectItemCaseSensitive(p, "detail");
	if (cJSON_IsNumber(line)) {
		fprintf(err, "  %s line %d", csv_path ? csv_path : "CSV", line->valueint);
		if (cJSON_IsNumber(column))
			fprintf(err, ", column %d", column->valueint);
		if (cJSON_IsString(field))
			fprintf(err, " (%s)", field->valuestring);
	} else {
		fprintf(err, "  %s %s", path,
		        cJSON_IsString(pointer) && *pointer->valuestring ? pointer->valuestring
		                                                         : "(the whole file)");
	}
	fprintf(err, ": %s\n", cJSON_IsString(detail) ? detail->valuestring : "?");
}

static void
print_value(const cJSON *v, FILE *out)
{
	if (!v || cJSON_IsNull(v)) {
		fputs("(none)", out);
		return;
	}
	char *text = cJSON_PrintUnformatted(v);
	size_t n = strlen(text);
	/* Long texts (a measure's sentence) are cut: the file has them whole. */
	if (n > 100) {
		size_t cut = 97;
		while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80)
			cut--; /* not inside a character */
		fprintf(out, "%.*s...", (int)cut, text);
	} else
		fputs(text, out);
	free(text);
}

static void
print_changes(const cJSON *result, bool list_changes, FILE *out)
{
	const cJSON *summary = cJSON_GetObjectItemCaseSensitive(result, "summary");
	const cJSON *counts[5];
	static const char *const names[] = { "changes", "tasks_created", "tasks_reassigned",
		                             "tasks_redated", "tasks_removed" };
	for (int i = 0; i < 5; i++)
		counts[i] = cJSON_GetObjectItemCaseSensitive(summary, names[i]);
	fprintf(out, "  %d changes; tasks: %d created, %d re-assigned, %d re-dated, %d removed\n",
	        counts[0] ? counts[0]->valueint : 0, counts[1] ? counts[1]->valueint : 0,
	        counts[2] ? counts[2]->valueint : 0, counts[3] ? counts[3]->valueint : 0,
	        counts[4] ? counts[4]->valueint : 0);
	if (!list_changes)
		return;
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(result, "changes"))
	{
		const cJSON *op = cJSON_GetObjectItemCaseSensitive(c, "op");
		const cJSON *what = cJSON_GetObjectItemCaseSensitive(c, "what");
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(c, "key");
		const cJSON *field = cJSON_GetObjectItemCaseSensitive(c, "field");
		fprintf(out, "  %s %s %s", cJSON_IsString(op) ? op->valuestring : "?",
		        cJSON_IsString(what) ? what->valuestring : "?",
		        cJSON_IsString(key) ? key->valuestring : "?");
		if (cJSON_IsString(field)) {
			fprintf(out, " %s: ", field->valuestring);
			print_value(cJSON_GetObjectItemCaseSensitive(c, "from"), out);
			fputs(" -> ", out);
			print_value(cJSON_GetObjectItemCaseSensitive(c, "to"), out);
		}
		fputc('\n', out);
	}
}

/*
 * Sends doc to document_import() and reports. locations maps CSV-made
 * pointers to lines. Returns 0 when imported (or unchanged, or planned).
 */
static int
run_import(PGconn *conn, cJSON *doc, const cJSON *locations, const char *via, bool dry_run,
           bool as_json, bool list_changes, const char *path, const char *csv_path, FILE *out,
           FILE *err)
{
	char *text = cJSON_PrintUnformatted(doc);
	const char *values[] = { text, NULL, via, dry_run ? "t" : "f" };
	PGresult *r = PQexecParams(conn, sql_document_import.text, sql_document_import.nparams,
	                           NULL, values, NULL, NULL, 0);
	free(text);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		fprintf(err, "policytrack import: %s: the database refused: %s", path,
		        PQresultErrorMessage(r));
		PQclear(r);
		return 1;
	}
	cJSON *result = cJSON_Parse(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (!result) {
		fprintf(err, "policytrack import: %s: the database's answer is not JSON\n", path);
		return 1;
	}
	cJSON *problems = cJSON_GetObjectItemCaseSensitive(result, "problems");
	import_csv_locate(problems, locations);
	const char *outcome =
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(result, "outcome"));
	int rc = outcome && strcmp(outcome, "invalid") != 0 ? 0 : 1;
	if (as_json) {
		char *s = cJSON_Print(result);
		fprintf(out, "%s\n", s);
		free(s);
	} else if (rc != 0) {
		fprintf(err, "policytrack import: %s: %d problem(s); nothing was imported\n", path,
		        cJSON_GetArraySize(problems));
		const cJSON *p;
		cJSON_ArrayForEach(p, problems) print_problem(p, path, csv_path, err);
	} else {
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(result, "document");
		const cJSON *version = cJSON_GetObjectItemCaseSensitive(result, "version");
		fprintf(out, "%s %s: %s%s, version %d%s\n",
		        strcmp(via, "bundled") == 0 ? "document" : "policytrack import:",
		        cJSON_IsString(code) ? code->valuestring : "?", dry_run ? "would be " : "",
		        outcome, cJSON_IsNumber(version) ? version->valueint : 0,
		        dry_run ? " (dry run: nothing written)" : "");
		if (strcmp(outcome, "unchanged") != 0)
			print_changes(result, list_changes, out);
	}
	cJSON_Delete(result);
	return rc;
}

int
import_document(PGconn *conn, const struct import_options *o, FILE *out, FILE *err)
{
	size_t len;
	char *text = read_file(o->path, &len, err);
	if (!text)
		return 1;
	cJSON *doc;
	const char *why = json_body_check(text, len, &doc);
	free(text);
	if (why) {
		/* json_body_check speaks of a request body; here it is a file. */
		const char *rest = strncmp(why, "the body ", 9) == 0 ? why + 9 : why;
		fprintf(err, "policytrack import: %s: the file %s\n", o->path, rest);
		return 1;
	}
	if (o->csv_path) {
		char *csv = read_file(o->csv_path, &len, err);
		if (!csv) {
			cJSON_Delete(doc);
			return 1;
		}
		if (cJSON_HasObjectItem(doc, "measures_csv")) {
			fprintf(err,
			        "policytrack import: %s has \"measures_csv\" already; drop --csv\n",
			        o->path);
			free(csv);
			cJSON_Delete(doc);
			return 1;
		}
		cJSON_AddItemToObject(doc, "measures_csv", cJSON_CreateString(csv));
		free(csv);
	}
	cJSON *locations = cJSON_CreateObject();
	cJSON *errors = cJSON_CreateArray();
	int rc;
	if (import_csv_expand(doc, locations, errors) > 0) {
		fprintf(err, "policytrack import: %s: %d problem(s); nothing was imported\n",
		        o->csv_path ? o->csv_path : o->path, cJSON_GetArraySize(errors));
		const cJSON *p;
		cJSON_ArrayForEach(p, errors) print_problem(p, o->path, o->csv_path, err);
		rc = 1;
	} else {
		rc = run_import(conn, doc, locations, "cli", o->dry_run, o->json, true, o->path,
		                o->csv_path, out, err);
	}
	cJSON_Delete(errors);
	cJSON_Delete(locations);
	cJSON_Delete(doc);
	return rc;
}

int
import_bundled_documents(PGconn *conn, FILE *out, FILE *err)
{
	for (size_t i = 0; i < bundled_documents_count; i++) {
		const struct bundled_document *b = &bundled_documents[i];
		const char *values[] = { b->code, b->json };
		PGresult *r =
		    PQexecParams(conn, sql_document_bundled_due.text,
		                 sql_document_bundled_due.nparams, NULL, values, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
			fprintf(err, "policytrack migrate: checking document %s failed: %s",
			        b->code, PQresultErrorMessage(r));
			PQclear(r);
			return 1;
		}
		bool kept = strcmp(PQgetvalue(r, 0, 0), "kept") == 0;
		bool unchanged = strcmp(PQgetvalue(r, 0, 0), "unchanged") == 0;
		if (kept)
			fprintf(out,
			        "document %s: kept (its latest version was imported by a person)\n",
			        b->code);
		else if (unchanged)
			fprintf(out, "document %s: unchanged, version %s\n", b->code,
			        PQgetvalue(r, 0, 1));
		PQclear(r);
		if (kept || unchanged)
			continue;
		cJSON *doc = cJSON_Parse(b->json);
		if (!doc) {
			fprintf(err, "policytrack migrate: bundled document %s is not JSON\n",
			        b->code);
			return 1;
		}
		cJSON *locations = cJSON_CreateObject();
		char path[128];
		snprintf(path, sizeof path, "data/documents/%s.json", b->code);
		int rc = run_import(conn, doc, locations, "bundled", false, false, false, path,
		                    NULL, out, err);
		cJSON_Delete(locations);
		cJSON_Delete(doc);
		if (rc != 0)
			return rc;
	}
	return 0;
}

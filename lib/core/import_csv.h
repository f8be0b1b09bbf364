/*
 * The spreadsheet form of an import (docs/import.md): a CSV of sections and
 * measures, one row each, turned into the "sections" and "measures" of the
 * JSON format, so that one checker (document_import() in SQL) judges both.
 * Every value taken from the CSV is remembered with its line and column, so
 * that a problem the checker reports at a JSON pointer can be shown where
 * the person typed it.
 */
#ifndef PT_CORE_IMPORT_CSV_H
#define PT_CORE_IMPORT_CSV_H

#include <stddef.h>

struct cJSON;

/*
 * Reads csv (len bytes, UTF-8, an optional byte-order mark, a header row).
 * On success returns 0 and adds "sections" and "measures" to doc, and to
 * locations (an object) one member per JSON pointer made: {"line", "column",
 * "field"}. Otherwise returns the number of problems appended to errors (an
 * array of {"line", "column", "field", "detail"}) and adds nothing to doc.
 */
int import_csv_read(const char *csv, size_t len, struct cJSON *doc, struct cJSON *locations,
                    struct cJSON *errors);

/*
 * When doc (a parsed import) carries its sections and measures as CSV text
 * in "measures_csv", replaces that member by the "sections" and "measures" it
 * holds (import_csv_read). Returns the number of problems appended to errors;
 * a pointer-located one when the member is misused.
 */
int import_csv_expand(struct cJSON *doc, struct cJSON *locations, struct cJSON *errors);

/*
 * Adds line, column and field to each problem of problems (objects with a
 * "pointer") whose pointer, or its nearest ancestor, is in locations.
 */
void import_csv_locate(struct cJSON *problems, const struct cJSON *locations);

#endif

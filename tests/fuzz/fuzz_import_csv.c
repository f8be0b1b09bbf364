/*
 * The import's CSV reader (lib/core/import_csv.c) on any bytes, read directly
 * (import_csv_read) and as the "measures_csv" member of an import document
 * (import_csv_expand), which must agree. Every problem must point at a line
 * of the file (a person fixes the file by its line numbers), and what is
 * accepted must be the sections and measures the rows are, each located.
 */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <string.h>

#include "core/import_csv.h"
#include "core/util.h"
#include "fuzz.h"

static int
dots(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '.';
	return n;
}

static double
number_of(const cJSON *obj, const char *name)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsNumber(n) ? n->valuedouble : -1;
}

/*
 * The same JSON, members in the same order: printed and compared as text,
 * since cJSON_Compare looks each member up by name, which is quadratic in
 * the thousands of locations of a large file.
 */
static bool
same_json(const cJSON *a, const cJSON *b)
{
	char *ta = cJSON_PrintUnformatted(a), *tb = cJSON_PrintUnformatted(b);
	bool same = ta && tb && strcmp(ta, tb) == 0;
	free(ta);
	free(tb);
	return same;
}

/* Lines of the file: a line break is LF, CRLF or a lone CR. */
static int
count_lines(const char *s, size_t len)
{
	int lines = 1;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\n' || (s[i] == '\r' && (i + 1 == len || s[i + 1] != '\n')))
			lines++;
	return lines;
}

static void
check_errors(const cJSON *errors, int n, int lines)
{
	FUZZ_CHECK(cJSON_GetArraySize(errors) == n, "the count returned is the problems added");
	const cJSON *e;
	cJSON_ArrayForEach(e, errors)
	{
		double line = number_of(e, "line");
		FUZZ_CHECK(line >= 1, "every problem carries a line >= 1");
		FUZZ_CHECK(line <= lines + 1, "and the line is in the file");
		if (cJSON_HasObjectItem(e, "column"))
			FUZZ_CHECK(number_of(e, "column") >= 1, "a column, when given, is >= 1");
		const cJSON *field = cJSON_GetObjectItemCaseSensitive(e, "field");
		FUZZ_CHECK(!field || cJSON_IsString(field), "a field, when given, is a name");
		const cJSON *detail = cJSON_GetObjectItemCaseSensitive(e, "detail");
		FUZZ_CHECK(cJSON_IsString(detail) && detail->valuestring[0],
		           "every problem says why");
	}
}

/*
 * The items of doc's array name: sections (measures false) or measures, each
 * located, through import_csv_locate as the daemon does: a problem inside a
 * row is shown at that row's line. One call for all of them, so the check
 * stays linear in the locations.
 */
static void
check_items(const cJSON *doc, const cJSON *locations, const char *name, bool measures, int lines)
{
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(doc, name);
	FUZZ_CHECK(cJSON_IsArray(items), "an accepted CSV gives sections and measures");
	cJSON *problems = cJSON_CreateArray();
	int i = 0;
	const cJSON *item;
	cJSON_ArrayForEach(item, items)
	{
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(item, "code");
		FUZZ_CHECK(cJSON_IsString(code), "every row has its code");
		FUZZ_CHECK((dots(code->valuestring) == 2) == measures,
		           "a code with two dots is a measure, any other a section");
		char deep[96];
		snprintf(deep, sizeof deep, "/%s/%d/no/such/member", name, i++);
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "pointer", deep);
		cJSON_AddItemToArray(problems, p);
	}
	import_csv_locate(problems, locations);
	const cJSON *p;
	cJSON_ArrayForEach(p, problems)
	{
		double line = number_of(p, "line");
		FUZZ_CHECK(line >= 2 && line <= lines,
		           "a problem inside a row is located at a line below the header");
	}
	cJSON_Delete(problems);
}

static void
check_locations(const cJSON *locations, int lines)
{
	const cJSON *at;
	cJSON_ArrayForEach(at, locations)
	{
		double line = number_of(at, "line");
		FUZZ_CHECK(line >= 2 && line <= lines, "every location is a row of the file");
		if (cJSON_HasObjectItem(at, "column"))
			FUZZ_CHECK(number_of(at, "column") >= 1, "a located column is >= 1");
		const cJSON *field = cJSON_GetObjectItemCaseSensitive(at, "field");
		FUZZ_CHECK(cJSON_IsString(field), "a location names its column");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *csv = (const char *)data;
	int lines = count_lines(csv, size);

	cJSON *doc = cJSON_CreateObject();
	cJSON *locations = cJSON_CreateObject();
	cJSON *errors = cJSON_CreateArray();
	int n = import_csv_read(csv, size, doc, locations, errors);
	FUZZ_CHECK(n >= 0, "the count of problems is not negative");
	check_errors(errors, n, lines);
	if (n > 0) {
		FUZZ_CHECK(cJSON_GetArraySize(doc) == 0, "a CSV with problems adds nothing");
	} else {
		FUZZ_CHECK(cJSON_GetArraySize(doc) == 2, "an accepted CSV adds two members");
		check_items(doc, locations, "sections", false, lines);
		check_items(doc, locations, "measures", true, lines);
		check_locations(locations, lines);
	}

	/* The same text as an import document's "measures_csv" (a JSON string has no NUL). */
	if (!memchr(data, 0, size)) {
		char *text = xstrndup(csv, size);
		cJSON *doc2 = cJSON_CreateObject();
		cJSON_AddStringToObject(doc2, "measures_csv", text);
		cJSON *locations2 = cJSON_CreateObject();
		cJSON *errors2 = cJSON_CreateArray();
		int n2 = import_csv_expand(doc2, locations2, errors2);
		FUZZ_CHECK(n2 == n, "expanding measures_csv finds the same problems");
		FUZZ_CHECK(!cJSON_HasObjectItem(doc2, "measures_csv"),
		           "the CSV member is replaced");
		FUZZ_CHECK(same_json(errors, errors2) && same_json(doc, doc2) &&
		               same_json(locations, locations2),
		           "and the same document, locations and problems as reading it");
		cJSON_Delete(errors2);
		cJSON_Delete(locations2);
		cJSON_Delete(doc2);
		free(text);
	}
	cJSON_Delete(errors);
	cJSON_Delete(locations);
	cJSON_Delete(doc);
	return 0;
}

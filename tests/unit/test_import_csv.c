#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/import_csv.h"
#include "tap.h"

/* The member at a JSON pointer-ish path ("measures/0/agencies/1/code"), or NULL. */
static const cJSON *
at(const cJSON *doc, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	const cJSON *node = doc;
	for (char *part = strtok(buf, "/"); part && node; part = strtok(NULL, "/"))
		node = cJSON_IsArray(node) ? cJSON_GetArrayItem(node, atoi(part))
		                           : cJSON_GetObjectItemCaseSensitive(node, part);
	return node;
}

static const char *
str(const cJSON *doc, const char *path)
{
	const cJSON *v = at(doc, path);
	return cJSON_IsString(v) ? v->valuestring : "(none)";
}

/* Reads csv; returns the number of errors, leaving doc/locations/errors for checks. */
static int
read(const char *csv, cJSON **doc, cJSON **locations, cJSON **errors)
{
	*doc = cJSON_CreateObject();
	*locations = cJSON_CreateObject();
	*errors = cJSON_CreateArray();
	return import_csv_read(csv, strlen(csv), *doc, *locations, *errors);
}

static void
done(cJSON *doc, cJSON *locations, cJSON *errors)
{
	cJSON_Delete(doc);
	cJSON_Delete(locations);
	cJSON_Delete(errors);
}

int
main(void)
{
	cJSON *doc, *loc, *err;

	/* A BOM, CRLF, columns in any order, quotes, full-width and enumeration commas. */
	const char *good = "\xEF\xBB\xBF"
	                   "text_zh,code,lead,lead_rationale,support,support_rationale,provinces,"
	                   "province_rationale,localities,locality_rationale,title_zh,title_en\r\n"
	                   ",3,,,,,,,,,\xE7\xAB\xA0,Chapter\r\n"
	                   ",3.1,,,,,,,,,\xE9\x83\xA8,Part\r\n"
	                   "\"\xE6\x8E\xAA\xE6\x96\xBD, \"\"quoted\"\"\",3.1.1,sipo,Why,"
	                   "\"ndrc\xEF\xBC\x8C most \xE3\x80\x81saic\",Help,CN-LN;CN-JL,Named,"
	                   "CN-LN:\xE5\xA4\xA7\xE8\xBF\x9E,Place,,\r\n"
	                   ",,,,,,,,,,,\r\n"
	                   "x,3.1.2,sipo;ndrc,Both,,,,,,,,";
	CHECK(read(good, &doc, &loc, &err) == 0, "a good CSV reads without errors");
	CHECK_STR(str(doc, "sections/0/code"), "3", "the chapter row is a section");
	CHECK_STR(str(doc, "sections/1/title_en"), "Part", "the part row keeps its title");
	CHECK_STR(str(doc, "measures/0/text_zh"), "\xE6\x8E\xAA\xE6\x96\xBD, \"quoted\"",
	          "a quoted cell keeps its comma and its doubled quotes become one");
	CHECK_STR(str(doc, "measures/0/agencies/0/role"), "lead", "the lead comes first");
	CHECK_STR(str(doc, "measures/0/agencies/3/code"), "saic",
	          "supports split at the full-width comma and the enumeration comma");
	CHECK(cJSON_GetArraySize(at(doc, "measures/0/agencies")) == 4,
	      "one lead and three supports");
	CHECK_STR(str(doc, "measures/0/agencies/2/rationale"), "Help",
	          "supports share their rationale");
	CHECK_STR(str(doc, "measures/0/provinces/1/code"), "CN-JL", "provinces split at ;");
	CHECK_STR(str(doc, "measures/0/localities/0/name_zh"), "\xE5\xA4\xA7\xE8\xBF\x9E",
	          "a locality is PROVINCE:name");
	CHECK(at(doc, "measures/0/joint") == NULL, "one lead: not joint");
	CHECK(cJSON_IsTrue(at(doc, "measures/1/joint")), "two leads make a measure joint");
	CHECK(at(doc, "measures/1/provinces") == NULL, "no provinces: every recipient");
	CHECK(cJSON_GetArraySize(at(doc, "measures")) == 2, "the blank row is skipped");
	const cJSON *where = cJSON_GetObjectItemCaseSensitive(loc, "/measures/0/agencies/2/code");
	CHECK(where && at(where, "line")->valueint == 4 && at(where, "column")->valueint == 5,
	      "a support's code is located at line 4, column 5");
	where = cJSON_GetObjectItemCaseSensitive(loc, "/measures/1/agencies/1/rationale");
	CHECK(where && at(where, "line")->valueint == 6,
	      "the last line, without its line break, is line 6");

	/* A problem the database found at a pointer is shown at its line and column. */
	cJSON *problems = cJSON_Parse("[{\"pointer\": \"/measures/0/agencies/3/code\", \"detail\": "
	                              "\"unknown\"}, {\"pointer\": \"/measures/0/text_en\", "
	                              "\"detail\": \"x\"}, {\"pointer\": \"/document/code\"}]");
	import_csv_locate(problems, loc);
	CHECK(at(problems, "0/line")->valueint == 4 && at(problems, "0/column")->valueint == 5 &&
	          strcmp(str(problems, "0/field"), "support") == 0,
	      "a pointer the CSV made gets its line, column and field");
	CHECK(at(problems, "1/line")->valueint == 4 && at(problems, "1/column")->valueint == 2,
	      "a pointer to a member the CSV left out falls back to its measure's row");
	CHECK(at(problems, "2/line") == NULL, "a pointer outside the CSV stays as it is");
	cJSON_Delete(problems);
	done(doc, loc, err);

	/* Errors: every one located, nothing added to the document. */
	CHECK(read("code,nonsense\n3.1.1,x\n", &doc, &loc, &err) == 1 &&
	          at(err, "0/column")->valueint == 2 && at(doc, "measures") == NULL,
	      "an unknown column is an error at line 1 and its column");
	done(doc, loc, err);
	CHECK(read("code,text_zh\n3.1.1,\"open\n", &doc, &loc, &err) == 1 &&
	          at(err, "0/line")->valueint == 2,
	      "an unclosed quote is an error at the line it opens");
	done(doc, loc, err);
	CHECK(read("code,text_zh\n3.1.1,a\"b\n", &doc, &loc, &err) == 1,
	      "a quote inside an unquoted cell is an error");
	done(doc, loc, err);
	CHECK(read("code,joint,localities\n3.1.1,maybe,Dalian\n,x\n", &doc, &loc, &err) == 3,
	      "a bad joint, a locality without its province and a row without a code: three "
	      "errors at once");
	done(doc, loc, err);
	CHECK(read("text_zh\nx\n", &doc, &loc, &err) == 1, "a header without code is an error");
	done(doc, loc, err);
	CHECK(read("code\n\xFF\n", &doc, &loc, &err) == 1, "bytes that are not UTF-8 are an error");
	done(doc, loc, err);
	CHECK(read("", &doc, &loc, &err) == 1, "an empty CSV is an error");
	done(doc, loc, err);

	/* measures_csv in a JSON import. */
	doc = cJSON_Parse("{\"measures_csv\": \"code,text_zh\\n3.1.1,x\\n\"}");
	loc = cJSON_CreateObject();
	err = cJSON_CreateArray();
	CHECK(import_csv_expand(doc, loc, err) == 0 && at(doc, "measures/0/code") &&
	          !cJSON_HasObjectItem(doc, "measures_csv"),
	      "measures_csv is replaced by the measures it holds");
	done(doc, loc, err);
	doc = cJSON_Parse("{\"measures_csv\": \"code\\n\", \"measures\": []}");
	loc = cJSON_CreateObject();
	err = cJSON_CreateArray();
	CHECK(import_csv_expand(doc, loc, err) == 1 &&
	          strcmp(str(err, "0/pointer"), "/measures_csv") == 0,
	      "measures_csv beside measures is an error at /measures_csv");
	done(doc, loc, err);

	/*
	 * A large file reads in time linear in its size. Each location used to be
	 * searched for before it was added, and each row and agency counted from
	 * the start: a 1 MiB upload held the daemon's loop for minutes (found
	 * measuring the import's fuzz harness). 2,000 rows of twelve agencies make
	 * 110,000 locations: a second of CPU at most now, far more before.
	 */
	enum { ROWS = 2000 };
	const char *row = "1.1.%d,a;b;c;d;e;f;g;h,a;b;c;d,CN-LN;CN-BJ\n";
	size_t cap = 64 + ROWS * 64, used = 0;
	char *big = malloc(cap);
	used += (size_t)snprintf(big, cap, "code,lead,support,provinces\n");
	for (int i = 0; i < ROWS; i++)
		used += (size_t)snprintf(big + used, cap - used, row, i % 999 + 1);
	cJSON *many = cJSON_CreateArray();
	for (int i = 0; i < ROWS; i++) {
		char pointer[64];
		snprintf(pointer, sizeof pointer, "/measures/%d/agencies/11/code", i);
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "pointer", pointer);
		cJSON_AddItemToArray(many, p);
	}
	clock_t start = clock();
	int n = read(big, &doc, &loc, &err);
	import_csv_locate(many, loc);
	double cpu = (double)(clock() - start) / CLOCKS_PER_SEC;
	CHECK(n == 0 && cJSON_GetArraySize(at(doc, "measures")) == ROWS &&
	          cJSON_GetArraySize(loc) > 100000,
	      "2,000 rows of twelve agencies read");
	CHECK(at(many, "1999/line") && at(many, "1999/line")->valueint == ROWS + 1,
	      "a problem of the last row is located at its line");
	CHECK(cpu < 5.0, "reading and locating them takes %.2f s of CPU, under 5 s", cpu);
	cJSON_Delete(many);
	free(big);
	done(doc, loc, err);
	return tap_done();
}

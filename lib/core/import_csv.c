#include "core/import_csv.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* More rows than any notice has measures; bounds the work a bad upload causes. */
#define MAX_ROWS 20000

struct cell {
	char *text;
	int line; /* where the cell starts (a quoted cell may span lines) */
};

struct record {
	struct cell *cells;
	int ncells, cap;
	int line;
};

struct table {
	struct record *rows;
	int nrows, cap;
};

static void
table_free(struct table *t)
{
	for (int i = 0; i < t->nrows; i++) {
		for (int c = 0; c < t->rows[i].ncells; c++)
			free(t->rows[i].cells[c].text);
		free(t->rows[i].cells);
	}
	free(t->rows);
}

static void add_error(cJSON *errors, int line, int column, const char *field, const char *fmt, ...)
    PT_PRINTF(5, 6);

static void
add_error(cJSON *errors, int line, int column, const char *field, const char *fmt, ...)
{
	char detail[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	cJSON *e = cJSON_CreateObject();
	cJSON_AddNumberToObject(e, "line", line);
	if (column > 0)
		cJSON_AddNumberToObject(e, "column", column);
	if (field)
		cJSON_AddStringToObject(e, "field", field);
	cJSON_AddStringToObject(e, "detail", detail);
	cJSON_AddItemToArray(errors, e);
}

static void
push_cell(struct record *r, const char *bytes, size_t n, int line)
{
	if (r->ncells == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		r->cells = xrealloc(r->cells, (size_t)r->cap * sizeof *r->cells);
	}
	char *text = xmalloc(n + 1);
	memcpy(text, bytes, n);
	text[n] = '\0';
	r->cells[r->ncells++] = (struct cell){ text, line };
}

static struct record *
push_record(struct table *t, int line)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->rows = xrealloc(t->rows, (size_t)t->cap * sizeof *t->rows);
	}
	struct record *r = &t->rows[t->nrows++];
	*r = (struct record){ .line = line };
	return r;
}

/*
 * RFC 4180 with the leniencies spreadsheets need: LF or CRLF, a final line
 * without its break. A quote may open a cell only; inside a quoted cell a
 * doubled quote is one quote. Returns the number of errors added.
 */
static int
split_records(const char *s, size_t len, struct table *t, cJSON *errors)
{
	int before = cJSON_GetArraySize(errors);
	size_t i = 0;
	int line = 1;
	if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	char *buf = xmalloc(len + 1);
	while (i < len && t->nrows <= MAX_ROWS) {
		struct record *r = push_record(t, line);
		for (;;) {
			size_t n = 0;
			int start_line = line;
			int column = r->ncells + 1;
			if (i < len && s[i] == '"') {
				i++;
				bool closed = false;
				while (i < len) {
					if (s[i] == '"') {
						if (i + 1 < len && s[i + 1] == '"') {
							buf[n++] = '"';
							i += 2;
							continue;
						}
						i++;
						closed = true;
						break;
					}
					if (s[i] == '\n')
						line++;
					buf[n++] = s[i++];
				}
				if (!closed) {
					add_error(errors, start_line, column, NULL,
					          "a quoted cell is never closed: a quote (\") is "
					          "missing");
					goto done;
				}
				if (i < len && s[i] != ',' && s[i] != '\n' && s[i] != '\r') {
					add_error(errors, start_line, column, NULL,
					          "text follows the closing quote of a cell; "
					          "double a quote "
					          "inside a quoted cell (\"\")");
					goto done;
				}
			} else {
				while (i < len && s[i] != ',' && s[i] != '\n' && s[i] != '\r') {
					if (s[i] == '"') {
						add_error(errors, line, column, NULL,
						          "a quote inside an unquoted cell: quote "
						          "the whole cell "
						          "and double the quote");
						goto done;
					}
					buf[n++] = s[i++];
				}
			}
			push_cell(r, buf, n, start_line);
			if (i < len && s[i] == ',') {
				i++;
				continue;
			}
			if (i < len && s[i] == '\r')
				i++;
			if (i < len && s[i] == '\n')
				i++;
			line++;
			break;
		}
	}
	if (t->nrows > MAX_ROWS)
		add_error(errors, line, 0, NULL, "more than %d rows", MAX_ROWS);
done:
	free(buf);
	return cJSON_GetArraySize(errors) - before;
}

enum column {
	COL_CODE,
	COL_TITLE_ZH,
	COL_TITLE_EN,
	COL_BODY_ZH,
	COL_BODY_EN,
	COL_TEXT_ZH,
	COL_TEXT_EN,
	COL_JOINT,
	COL_DUE_ON,
	COL_LEAD,
	COL_LEAD_RATIONALE,
	COL_SUPPORT,
	COL_SUPPORT_RATIONALE,
	COL_PROVINCES,
	COL_PROVINCE_RATIONALE,
	COL_LOCALITIES,
	COL_LOCALITY_RATIONALE,
	NCOLUMNS
};

static const char *const column_names[NCOLUMNS] = {
	"code",
	"title_zh",
	"title_en",
	"body_zh",
	"body_en",
	"text_zh",
	"text_en",
	"joint",
	"due_on",
	"lead",
	"lead_rationale",
	"support",
	"support_rationale",
	"provinces",
	"province_rationale",
	"localities",
	"locality_rationale",
};

/* Where each column sits in the file (0-based), or -1. */
struct header {
	int at[NCOLUMNS];
};

static const char *
cell_of(const struct record *r, const struct header *h, enum column c)
{
	int at = h->at[c];
	return at >= 0 && at < r->ncells ? r->cells[at].text : "";
}

static bool
blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t')
			return false;
	return true;
}

/*
 * Remembers that pointer came from column c of record r. Each pointer is made
 * once (rows and list items are numbered as they are added), so it is only
 * appended: a search for it first, per pointer, made a large file take minutes.
 */
static void
locate(cJSON *locations, const char *pointer, const struct record *r, const struct header *h,
       enum column c)
{
	cJSON *at = cJSON_CreateObject();
	cJSON_AddNumberToObject(at, "line", r->line);
	if (h->at[c] >= 0)
		cJSON_AddNumberToObject(at, "column", h->at[c] + 1);
	cJSON_AddStringToObject(at, "field", column_names[c]);
	cJSON_AddItemToObject(locations, pointer, at);
}

/* Adds member name = the cell's text when the cell is not blank, and its location. */
static void
take_text(cJSON *obj, const char *name, const char *base, const struct record *r,
          const struct header *h, enum column c, cJSON *locations)
{
	const char *text = cell_of(r, h, c);
	if (blank(text))
		return;
	cJSON_AddStringToObject(obj, name, text);
	char pointer[128];
	snprintf(pointer, sizeof pointer, "%s/%s", base, name);
	locate(locations, pointer, r, h, c);
}

/*
 * The items of a list cell: separated by ';', ',' or their full-width forms
 * (；，) or the enumeration comma 、, spaces around them dropped.
 */
static cJSON *
split_list(const char *s)
{
	static const char *const seps[] = { ";", ",", "\xEF\xBC\x9B", "\xEF\xBC\x8C",
		                            "\xE3\x80\x81" };
	cJSON *items = cJSON_CreateArray();
	const char *p = s;
	while (*p) {
		const char *end = p;
		size_t seplen = 0;
		while (*end && !seplen) {
			for (size_t k = 0; k < PT_ARRAY_LEN(seps); k++)
				if (strncmp(end, seps[k], strlen(seps[k])) == 0)
					seplen = strlen(seps[k]);
			if (!seplen)
				end++;
		}
		const char *a = p, *b = end;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (b > a) {
			char *item = xstrndup(a, (size_t)(b - a));
			cJSON_AddItemToArray(items, cJSON_CreateString(item));
			free(item);
		}
		p = end + seplen;
	}
	return items;
}

/* The agencies of one role from a list cell and its rationale cell; *count numbers them. */
static void
add_agencies(cJSON *agencies, int *count, const char *base, const char *role,
             const struct record *r, const struct header *h, enum column list, enum column why,
             cJSON *locations)
{
	cJSON *codes = split_list(cell_of(r, h, list));
	const char *rationale = cell_of(r, h, why);
	cJSON *code;
	cJSON_ArrayForEach(code, codes)
	{
		int k = (*count)++;
		cJSON *a = cJSON_CreateObject();
		cJSON_AddStringToObject(a, "code", code->valuestring);
		cJSON_AddStringToObject(a, "role", role);
		if (!blank(rationale))
			cJSON_AddStringToObject(a, "rationale", rationale);
		cJSON_AddItemToArray(agencies, a);
		char pointer[128];
		snprintf(pointer, sizeof pointer, "%s/agencies/%d", base, k);
		locate(locations, pointer, r, h, list);
		snprintf(pointer, sizeof pointer, "%s/agencies/%d/code", base, k);
		locate(locations, pointer, r, h, list);
		snprintf(pointer, sizeof pointer, "%s/agencies/%d/role", base, k);
		locate(locations, pointer, r, h, list);
		snprintf(pointer, sizeof pointer, "%s/agencies/%d/rationale", base, k);
		locate(locations, pointer, r, h, why);
	}
	cJSON_Delete(codes);
}

/* A measure row: the JSON format's measure object. */
static cJSON *
measure_of(const struct record *r, const struct header *h, int index, cJSON *locations,
           cJSON *errors)
{
	char base[64];
	snprintf(base, sizeof base, "/measures/%d", index);
	cJSON *m = cJSON_CreateObject();
	locate(locations, base, r, h, COL_CODE);
	take_text(m, "code", base, r, h, COL_CODE, locations);
	take_text(m, "text_zh", base, r, h, COL_TEXT_ZH, locations);
	take_text(m, "text_en", base, r, h, COL_TEXT_EN, locations);
	take_text(m, "due_on", base, r, h, COL_DUE_ON, locations);

	cJSON *agencies = cJSON_AddArrayToObject(m, "agencies");
	char pointer[128];
	snprintf(pointer, sizeof pointer, "%s/agencies", base);
	locate(locations, pointer, r, h, COL_LEAD);
	int nagencies = 0;
	add_agencies(agencies, &nagencies, base, "lead", r, h, COL_LEAD, COL_LEAD_RATIONALE,
	             locations);
	int leads = nagencies;
	add_agencies(agencies, &nagencies, base, "support", r, h, COL_SUPPORT,
	             COL_SUPPORT_RATIONALE, locations);

	/* Several leads make a measure joint; the joint column may say so for one. */
	const char *joint = cell_of(r, h, COL_JOINT);
	if (blank(joint)) {
		if (leads > 1)
			cJSON_AddBoolToObject(m, "joint", true);
	} else if (strcmp(joint, "true") == 0 || strcmp(joint, "yes") == 0 ||
	           strcmp(joint, "\xE6\x98\xAF") == 0 /* 是 */) {
		cJSON_AddBoolToObject(m, "joint", true);
	} else if (strcmp(joint, "false") != 0 && strcmp(joint, "no") != 0 &&
	           strcmp(joint, "\xE5\x90\xA6") != 0 /* 否 */) {
		add_error(errors, r->line, h->at[COL_JOINT] + 1, "joint",
		          "joint must be true, false, yes, no, 是 or 否 (or empty), not \"%.40s\"",
		          joint);
	}

	cJSON *codes = split_list(cell_of(r, h, COL_PROVINCES));
	if (cJSON_GetArraySize(codes) > 0) {
		cJSON *provinces = cJSON_AddArrayToObject(m, "provinces");
		const char *rationale = cell_of(r, h, COL_PROVINCE_RATIONALE);
		int k = 0;
		cJSON *code;
		cJSON_ArrayForEach(code, codes)
		{
			cJSON *p = cJSON_CreateObject();
			cJSON_AddStringToObject(p, "code", code->valuestring);
			if (!blank(rationale))
				cJSON_AddStringToObject(p, "rationale", rationale);
			cJSON_AddItemToArray(provinces, p);
			snprintf(pointer, sizeof pointer, "%s/provinces/%d/code", base, k);
			locate(locations, pointer, r, h, COL_PROVINCES);
			snprintf(pointer, sizeof pointer, "%s/provinces/%d/rationale", base, k);
			locate(locations, pointer, r, h, COL_PROVINCE_RATIONALE);
			k++;
		}
	}
	cJSON_Delete(codes);

	/* Localities as PROVINCE:名称, e.g. CN-LN:大连. */
	codes = split_list(cell_of(r, h, COL_LOCALITIES));
	if (cJSON_GetArraySize(codes) > 0) {
		cJSON *localities = cJSON_AddArrayToObject(m, "localities");
		const char *rationale = cell_of(r, h, COL_LOCALITY_RATIONALE);
		int k = 0;
		cJSON *item;
		cJSON_ArrayForEach(item, codes)
		{
			const char *colon = strchr(item->valuestring, ':');
			if (!colon || colon == item->valuestring || !colon[1]) {
				add_error(
				    errors, r->line, h->at[COL_LOCALITIES] + 1, "localities",
				    "a locality is written PROVINCE:名称 (e.g. CN-LN:大连), not "
				    "\"%.60s\"",
				    item->valuestring);
				continue;
			}
			cJSON *l = cJSON_CreateObject();
			char province[16];
			snprintf(
			    province, sizeof province, "%.*s",
			    (int)(colon - item->valuestring < 15 ? colon - item->valuestring : 15),
			    item->valuestring);
			cJSON_AddStringToObject(l, "province", province);
			cJSON_AddStringToObject(l, "name_zh", colon + 1);
			if (!blank(rationale))
				cJSON_AddStringToObject(l, "rationale", rationale);
			cJSON_AddItemToArray(localities, l);
			snprintf(pointer, sizeof pointer, "%s/localities/%d", base, k);
			locate(locations, pointer, r, h, COL_LOCALITIES);
			snprintf(pointer, sizeof pointer, "%s/localities/%d/rationale", base, k);
			locate(locations, pointer, r, h, COL_LOCALITY_RATIONALE);
			k++;
		}
	}
	cJSON_Delete(codes);
	return m;
}

/* A section row: the JSON format's section object. */
static cJSON *
section_of(const struct record *r, const struct header *h, int index, cJSON *locations)
{
	char base[64];
	snprintf(base, sizeof base, "/sections/%d", index);
	cJSON *s = cJSON_CreateObject();
	locate(locations, base, r, h, COL_CODE);
	take_text(s, "code", base, r, h, COL_CODE, locations);
	take_text(s, "title_zh", base, r, h, COL_TITLE_ZH, locations);
	take_text(s, "title_en", base, r, h, COL_TITLE_EN, locations);
	take_text(s, "body_zh", base, r, h, COL_BODY_ZH, locations);
	take_text(s, "body_en", base, r, h, COL_BODY_EN, locations);
	return s;
}

/* Dots in a code: 0 for a chapter "3", 1 for a part "3.1", 2 for a measure "3.1.2". */
static int
code_depth(const char *code)
{
	int dots = 0;
	for (; *code; code++)
		dots += *code == '.';
	return dots;
}

int
import_csv_read(const char *csv, size_t len, cJSON *doc, cJSON *locations, cJSON *errors)
{
	int before = cJSON_GetArraySize(errors);
	if (!pt_utf8_valid(csv, len)) {
		add_error(errors, 1, 0, NULL,
		          "the CSV is not UTF-8 text (save it as \"CSV UTF-8\")");
		return 1;
	}
	struct table t = { 0 };
	split_records(csv, len, &t, errors);
	if (cJSON_GetArraySize(errors) > before)
		goto out;
	if (t.nrows == 0) {
		add_error(errors, 1, 0, NULL, "the CSV is empty: it needs a header row");
		goto out;
	}

	struct header h;
	for (int c = 0; c < NCOLUMNS; c++)
		h.at[c] = -1;
	const struct record *head = &t.rows[0];
	for (int i = 0; i < head->ncells; i++) {
		const char *name = head->cells[i].text;
		int found = -1;
		for (int c = 0; c < NCOLUMNS; c++)
			if (strcmp(name, column_names[c]) == 0)
				found = c;
		if (found < 0 && !blank(name)) {
			add_error(errors, 1, i + 1, name, "unknown column \"%.60s\"", name);
		} else if (found >= 0 && h.at[found] >= 0) {
			add_error(errors, 1, i + 1, name, "column \"%s\" appears twice", name);
		} else if (found >= 0) {
			h.at[found] = i;
		}
	}
	if (h.at[COL_CODE] < 0)
		add_error(errors, 1, 0, NULL, "the header row needs a \"code\" column");
	if (cJSON_GetArraySize(errors) > before)
		goto out;

	cJSON *sections = cJSON_CreateArray();
	cJSON *measures = cJSON_CreateArray();
	int nsections = 0, nmeasures = 0;
	for (int i = 1; i < t.nrows; i++) {
		const struct record *r = &t.rows[i];
		bool empty = true;
		for (int c = 0; c < r->ncells; c++)
			empty = empty && blank(r->cells[c].text);
		if (empty)
			continue;
		if (r->ncells > head->ncells)
			add_error(errors, r->line, head->ncells + 1, NULL,
			          "the row has %d cells, the header %d", r->ncells, head->ncells);
		const char *code = cell_of(r, &h, COL_CODE);
		if (blank(code)) {
			add_error(
			    errors, r->line, h.at[COL_CODE] + 1, "code",
			    "a row needs its code: a chapter \"3\", a part \"3.1\" or a measure "
			    "\"3.1.2\"");
			continue;
		}
		if (code_depth(code) == 2)
			cJSON_AddItemToArray(measures,
			                     measure_of(r, &h, nmeasures++, locations, errors));
		else
			cJSON_AddItemToArray(sections, section_of(r, &h, nsections++, locations));
	}
	if (cJSON_GetArraySize(errors) > before) {
		cJSON_Delete(sections);
		cJSON_Delete(measures);
		goto out;
	}
	cJSON_AddItemToObject(doc, "sections", sections);
	cJSON_AddItemToObject(doc, "measures", measures);
out:
	table_free(&t);
	return cJSON_GetArraySize(errors) - before;
}

int
import_csv_expand(cJSON *doc, cJSON *locations, cJSON *errors)
{
	cJSON *csv = cJSON_GetObjectItemCaseSensitive(doc, "measures_csv");
	if (!csv)
		return 0;
	const char *why = NULL;
	if (!cJSON_IsString(csv))
		why = "\"measures_csv\" must be the CSV's text, a string";
	else if (cJSON_HasObjectItem(doc, "sections") || cJSON_HasObjectItem(doc, "measures"))
		why = "give sections and measures either as CSV (\"measures_csv\") or as JSON "
		      "(\"sections\", \"measures\"), not both";
	if (why) {
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "pointer", "/measures_csv");
		cJSON_AddStringToObject(e, "detail", why);
		cJSON_AddItemToArray(errors, e);
		return 1;
	}
	cJSON_DetachItemViaPointer(doc, csv);
	int n = import_csv_read(csv->valuestring, strlen(csv->valuestring), doc, locations, errors);
	cJSON_Delete(csv);
	return n;
}

struct located {
	const char *pointer;
	const cJSON *at;
};

static int
compare_located(const void *a, const void *b)
{
	return strcmp(((const struct located *)a)->pointer, ((const struct located *)b)->pointer);
}

void
import_csv_locate(cJSON *problems, const cJSON *locations)
{
	/* Sorted once, searched per problem: a large file has a million locations. */
	size_t n = 0;
	const cJSON *m;
	cJSON_ArrayForEach(m, locations)
	{
		n++;
	}
	struct located *index = xcalloc(n, sizeof *index);
	n = 0;
	cJSON_ArrayForEach(m, locations)
	{
		index[n++] = (struct located){ m->string, m };
	}
	qsort(index, n, sizeof *index, compare_located);

	cJSON *p;
	cJSON_ArrayForEach(p, problems)
	{
		const cJSON *ptr = cJSON_GetObjectItemCaseSensitive(p, "pointer");
		if (!cJSON_IsString(ptr))
			continue;
		char path[256];
		snprintf(path, sizeof path, "%s", ptr->valuestring);
		/* The pointer itself, else its nearest ancestor the CSV made. */
		for (;;) {
			struct located key = { path, NULL };
			const struct located *hit =
			    n ? bsearch(&key, index, n, sizeof *index, compare_located) : NULL;
			const cJSON *at = hit ? hit->at : NULL;
			if (at) {
				const cJSON *member;
				cJSON_ArrayForEach(member, at)
				{
					cJSON_DeleteItemFromObjectCaseSensitive(p, member->string);
					cJSON_AddItemToObject(p, member->string,
					                      cJSON_Duplicate(member, true));
				}
				break;
			}
			char *slash = strrchr(path, '/');
			if (!slash || slash == path)
				break;
			*slash = '\0';
		}
	}
	free(index);
}

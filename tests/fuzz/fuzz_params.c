/*
 * Query strings and cursors (lib/api/params.c) through api_query_parse_text,
 * the part of api_query_parse that needs no request. The first byte picks a
 * parameter table (like those of the task list, the event feed and the
 * reports) and the `next` key; the rest, up to a NUL, is the query string.
 * Whatever is accepted must be within its kind's range, and the `next` link
 * the server would send for it must parse back to the same filters, limit,
 * and the key its cursor carries.
 */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <string.h>

#include "api/params.h"
#include "core/util.h"
#include "fuzz.h"

static const struct api_param tasks_like[] = {
	{ "agency", PARAM_AGENCY },   { "province", PARAM_PROVINCE }, { "section", PARAM_SECTION },
	{ "measure", PARAM_MEASURE }, { "status", PARAM_ENUM },       { "rag", PARAM_RAG },
	{ "overdue", PARAM_BOOL },    { "limit", PARAM_LIMIT },       { "cursor", PARAM_CURSOR },
	{ "q", PARAM_SEARCH },        { "period", PARAM_PERIOD },     { "format", PARAM_FORMAT },
};

static const struct api_param events_like[] = {
	{ "limit", PARAM_LIMIT },
	{ "cursor", PARAM_CURSOR },
	{ "after", PARAM_AFTER },
};

static const struct api_param reports_like[] = {
	{ "state", PARAM_REPORT_STATE }, { "days", PARAM_DAYS },
	{ "year", PARAM_YEAR },          { "subject_type", PARAM_SUBJECT_TYPE },
	{ "id", PARAM_TEXT_CODE },       { "from", PARAM_DATE },
	{ "interval", PARAM_INTERVAL },  { "limit", PARAM_LIMIT },
	{ "cursor", PARAM_CURSOR },
};

static const struct {
	const struct api_param *specs;
	size_t n;
} tables[] = {
	{ tasks_like, PT_ARRAY_LEN(tasks_like) },
	{ events_like, PT_ARRAY_LEN(events_like) },
	{ reports_like, PT_ARRAY_LEN(reports_like) },
};

/* Keys a page's statement may give as the last item's position. */
static const char *const next_keys[] = { "1", "42", "000123", "999999999999999999" };

static bool
all_digits(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);
	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static void
check_accepted(const struct api_query *q)
{
	FUZZ_CHECK(q->limit >= 1 && q->limit <= 200, "the limit is 1 to 200");
	char text[8];
	snprintf(text, sizeof(text), "%ld", q->limit);
	FUZZ_CHECK(strcmp(text, q->limit_text) == 0, "limit_text is the limit");
	FUZZ_CHECK(q->after_text[0] == '\0' || all_digits(q->after_text, 1, 20),
	           "a position is digits");
	FUZZ_CHECK((api_query_after(q) == NULL) == (q->after_text[0] == '\0'),
	           "api_query_after is NULL exactly without a position");
	for (size_t i = 0; i < q->nspecs; i++) {
		const char *v = q->values[i];
		if (!v)
			continue;
		FUZZ_CHECK(*v && pt_utf8_valid(v, strlen(v)), "a value is non-empty UTF-8");
		FUZZ_CHECK(api_query_get(q, q->specs[i].name) == v, "a value is found by its name");
		if (q->specs[i].kind == PARAM_CURSOR)
			FUZZ_CHECK(all_digits(q->after_text, 1, 18),
			           "a cursor carries a key of 1 to 18 digits");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t t = (size_t)(data[0] % PT_ARRAY_LEN(tables));
	const char *next_key = next_keys[(data[0] >> 4) & 3];
	char *query = xstrndup((const char *)data + 1, size - 1);

	struct api_query q;
	cJSON *errors = cJSON_CreateObject();
	bool ok = api_query_parse_text(query, tables[t].specs, tables[t].n, &q, errors);
	FUZZ_CHECK(ok == (cJSON_GetArraySize(errors) == 0),
	           "a query is refused exactly when a problem is recorded");
	cJSON_Delete(errors);
	if (!ok) {
		for (size_t i = 0; i < API_MAX_PARAMS; i++)
			FUZZ_CHECK(q.values[i] == NULL, "a refused query keeps no values");
		free(query);
		return 0;
	}
	check_accepted(&q);

	char *link = api_next_link("/api/v1/x", &q, next_key);
	const char *mark = strchr(link, '?');
	FUZZ_CHECK(mark && strncmp(link, "/api/v1/x?", 10) == 0,
	           "the link is the path and a query");
	struct api_query q2;
	errors = cJSON_CreateObject();
	bool ok2 = api_query_parse_text(mark + 1, tables[t].specs, tables[t].n, &q2, errors);
	if (!ok2) {
		char *e = cJSON_PrintUnformatted(errors);
		fprintf(stderr, "next link %s refused: %s\n", link, e);
		free(e);
	}
	FUZZ_CHECK(ok2, "the next link of an accepted query is accepted");
	cJSON_Delete(errors);
	check_accepted(&q2);
	FUZZ_CHECK(q2.limit == q.limit, "the next link keeps the limit");
	FUZZ_CHECK(strcmp(q2.after_text, next_key) == 0, "the next link's cursor carries the key");
	for (size_t i = 0; i < q.nspecs; i++) {
		enum api_param_kind k = q.specs[i].kind;
		if (k == PARAM_CURSOR || k == PARAM_LIMIT || k == PARAM_AFTER)
			continue;
		FUZZ_CHECK((q.values[i] == NULL) == (q2.values[i] == NULL) &&
		               (!q.values[i] || strcmp(q.values[i], q2.values[i]) == 0),
		           "the next link keeps every filter as it was");
	}
	api_query_clear(&q2);
	free(link);
	api_query_clear(&q);
	free(query);
	return 0;
}

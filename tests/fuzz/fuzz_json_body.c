/*
 * The strict request-body parser (json_body_check, lib/http/json_body.c) on
 * any bytes. What it accepts must be an object within its limits, and must
 * survive a round trip: printed again and checked again, it is accepted and
 * equal. A body the checker accepts once but refuses when a client re-sends
 * what it got back would be a logic error the crash detector never sees.
 */
#include <cjson/cJSON.h>
#include <string.h>

#include "fuzz.h"
#include "http/json_body.h"

static int
depth_of(const cJSON *node)
{
	int deepest = 0;
	for (const cJSON *c = node->child; c; c = c->next) {
		int d = depth_of(c);
		if (d > deepest)
			deepest = d;
	}
	return deepest + 1;
}

static void
check_strings(const cJSON *node)
{
	for (const cJSON *c = node->child; c; c = c->next) {
		if (node->type & cJSON_Object)
			FUZZ_CHECK(c->string != NULL, "every member has a key");
		check_strings(c);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *doc = (cJSON *)1;
	const char *why = json_body_check((const char *)data, size, &doc);
	if (why) {
		FUZZ_CHECK(doc == NULL, "a refused body yields no document");
		FUZZ_CHECK(*why != '\0', "a refusal says why");
		return 0;
	}
	FUZZ_CHECK(doc != NULL && cJSON_IsObject(doc), "an accepted body is an object");
	FUZZ_CHECK(depth_of(doc) <= 16, "an accepted body nests at most 16 deep");
	check_strings(doc);

	char *again = cJSON_PrintUnformatted(doc);
	FUZZ_CHECK(again != NULL, "an accepted body prints");
	cJSON *doc2 = NULL;
	const char *why2 = json_body_check(again, strlen(again), &doc2);
	if (why2)
		fprintf(stderr, "re-check of %s: %s\n", again, why2);
	FUZZ_CHECK(why2 == NULL, "what was accepted, printed again, is accepted again");
	FUZZ_CHECK(cJSON_Compare(doc, doc2, true), "and it is the same document");
	cJSON_Delete(doc2);
	free(again);
	cJSON_Delete(doc);
	return 0;
}

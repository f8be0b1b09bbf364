/* The variants of a statement marked `-- plans: one per filter set` (pg/sql.h). */
#include <stdlib.h>
#include <string.h>

#include "pg/sql_names.h"
#include "tap.h"

int
main(void)
{
	const struct sql_statement *st = &sql_task_list;
	CHECK(st->nguards >= 14 && st->types != NULL, "task_list has guards and types");
	CHECK(sql_task_get.nguards == 0 && sql_task_get.types == NULL, "task_get has none");
	for (int i = 0; i < st->nguards; i++) {
		const struct sql_guard *g = &st->guards[i];
		CHECK(st->text[g->start] == '(' && st->text[g->end - 1] == ')' && g->cond < g->end,
		      "guard %d spans a parenthesis", i);
	}

	const char *values[18] = { "observer" };
	values[3] = "ndrc"; /* agency, $4 */
	values[12] = "20";  /* limit, $13: no guard */
	values[11] = "10";  /* after, $12 */
	uint64_t mask = sql_variant_mask(st, values);
	int set = 0;
	for (int i = 0; i < st->nguards; i++)
		if (mask & (UINT64_C(1) << i)) {
			set++;
			CHECK(st->guards[i].param == 4 || st->guards[i].param == 12,
			      "bit %d is a given parameter's", i);
		}
	CHECK(set == 2, "two guards hold a filter");

	char *v = sql_variant_text(st, mask);
	for (int i = 0; i < st->nguards; i++) {
		const struct sql_guard *g = &st->guards[i];
		char head[64] = "";
		memcpy(head, st->text + g->start,
		       (size_t)(g->cond - g->start) < 63 ? (size_t)(g->cond - g->start) : 63);
		/* By number: a guard's text may span lines, which TAP would not read. */
		CHECK(strstr(v, head) == NULL, "guard %d is gone", i);
	}
	CHECK(strstr(v, "WHERE (t.agency_code = $4)") != NULL, "the agency's condition stays");
	CHECK(strstr(v, "(t.id > $12)") != NULL, "the cursor's condition stays");
	CHECK(strstr(v, "t.status = $8") == NULL, "the status's is gone");
	CHECK(strstr(v, "LIMIT $13::int + 1") != NULL, "what is not a guard stays");
	free(v);

	v = sql_variant_text(st, 0);
	CHECK(strstr(v, "t.agency_code = $4") == NULL && strstr(v, "WHERE true") != NULL,
	      "no filter: every guard is true");
	free(v);

	v = sql_variant_text(st, (UINT64_C(1) << st->nguards) - 1);
	CHECK(strstr(v, "AND (t.status = $8)") != NULL, "every filter: every condition");
	CHECK(strlen(v) < strlen(st->text), "shorter than the text as written");
	free(v);
	return tap_done();
}

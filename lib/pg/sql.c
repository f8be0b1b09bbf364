#include "pg/sql.h"

#include <string.h>

#include "core/util.h"

const struct sql_statement *
sql_statement_find(const char *name)
{
	for (size_t i = 0; i < sql_statements_count; i++)
		if (strcmp(sql_statements[i]->name, name) == 0)
			return sql_statements[i];
	return NULL;
}

uint64_t
sql_variant_mask(const struct sql_statement *st, const char *const *values)
{
	uint64_t mask = 0;
	for (int i = 0; i < st->nguards; i++)
		if (values[st->guards[i].param - 1])
			mask |= UINT64_C(1) << i;
	return mask;
}

char *
sql_variant_text(const struct sql_statement *st, uint64_t mask)
{
	size_t len = strlen(st->text);
	/* Never longer than the text: "true" is shorter than any guard, "(cond)" than its guard. */
	char *out = xmalloc(len + 1), *o = out;
	int pos = 0;
	for (int i = 0; i < st->nguards; i++) {
		const struct sql_guard *g = &st->guards[i];
		memcpy(o, st->text + pos, (size_t)(g->start - pos));
		o += g->start - pos;
		if (mask & (UINT64_C(1) << i)) {
			*o++ = '(';
			memcpy(o, st->text + g->cond, (size_t)(g->end - g->cond));
			o += g->end - g->cond;
		} else {
			memcpy(o, "true", 4);
			o += 4;
		}
		pos = g->end;
	}
	memcpy(o, st->text + pos, len - (size_t)pos + 1);
	return out;
}

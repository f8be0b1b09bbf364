#include "pg/statements.h"

#include <string.h>

#include "core/util.h"

const struct statement *const statements[] = {
	&stmt_task_list,
	&stmt_task_update,
};
const size_t statements_count = PT_ARRAY_LEN(statements);

const struct statement *
statement_find(const char *name)
{
	for (size_t i = 0; i < statements_count; i++)
		if (strcmp(statements[i]->name, name) == 0)
			return statements[i];
	return NULL;
}

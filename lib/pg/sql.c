#include "pg/sql.h"

#include <string.h>

const struct sql_statement *
sql_statement_find(const char *name)
{
	for (size_t i = 0; i < sql_statements_count; i++)
		if (strcmp(sql_statements[i]->name, name) == 0)
			return sql_statements[i];
	return NULL;
}

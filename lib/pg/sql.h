/*
 * The SQL the programs send, from sql/: each statement is a file there,
 * compiled in at build time (sql/embed.py), referred to by its C symbol
 * (sql_task_list for sql/tasks/task_list.sql, declared in the generated
 * "pg/sql_names.h") and prepared on each connection under its own name.
 * `policytrack sql` lists and prints them; a test EXPLAINs every one.
 */
#ifndef PT_PG_SQL_H
#define PT_PG_SQL_H

#include <stddef.h>

struct sql_statement {
	const char *name;    /* the file's name: also the prepared statement's */
	int index;           /* its place in sql_statements[] */
	const char *group;   /* the folder under sql/ */
	const char *summary; /* the header's first line */
	const char *text;    /* what is sent: the file after its header */
	int nparams;
	const char *const *params; /* "$n name type" each, NULL-terminated */
};

extern const struct sql_statement *const sql_statements[];
extern const size_t sql_statements_count;

/* The statement named name, or NULL. */
const struct sql_statement *sql_statement_find(const char *name);

/* A repeatable definition (functions, views): sql/definitions/NN_name.sql. */
struct sql_definition {
	const char *name;
	const char *text;
};

extern const struct sql_definition sql_definitions[];
extern const size_t sql_definitions_count;

#endif

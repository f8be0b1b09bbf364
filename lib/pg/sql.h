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
#include <stdint.h>

/*
 * An optional filter `($N::type IS NULL OR cond)` of a statement sent as
 * variants (sql/embed.py): byte offsets into its text, the guard being
 * text[start, end) and its condition text[cond, end - 1).
 */
struct sql_guard {
	int param; /* N, 1-based */
	int start, cond, end;
};

struct sql_statement {
	const char *name;    /* the file's name: also the prepared statement's */
	int index;           /* its place in sql_statements[] */
	const char *group;   /* the folder under sql/ */
	const char *summary; /* the header's first line */
	const char *text;    /* what is sent: the file after its header */
	int nparams;
	const char *const *params; /* "$n name type" each, NULL-terminated */
	/*
	 * Sent as variants (its header says `-- plans: one per filter set`): one
	 * statement per set of guards whose parameter is given, each prepared
	 * with a generic plan PostgreSQL keeps. 0 guards: sent as it is.
	 */
	int nguards;
	const struct sql_guard *guards;
	const unsigned int *types; /* each parameter's type OID, when nguards > 0 */
	/*
	 * Guards (bit i for guards[i]) whose filter, when given, sends the
	 * statement as written, planned for its values (`-- plans: as written
	 * when $N is given`): the best plan for it depends on the value.
	 */
	uint64_t as_written;
};

extern const struct sql_statement *const sql_statements[];
extern const size_t sql_statements_count;

/* The statement named name, or NULL. */
const struct sql_statement *sql_statement_find(const char *name);

/*
 * Which guards of st hold a filter with these parameter values (nparams of
 * them, NULL for SQL NULL): bit i for guards[i]. The variant's key.
 */
uint64_t sql_variant_mask(const struct sql_statement *st, const char *const *values);

/*
 * st's text for the variant mask (malloc'd): each guard whose bit is set
 * becomes `(cond)`, each other one `true`. For the parameters that mask
 * says are given (and NULL for the others) it answers what st's own text
 * answers: `(NULL IS NULL OR c)` is true, `(v IS NULL OR c)` is c.
 */
char *sql_variant_text(const struct sql_statement *st, uint64_t mask);

/* A repeatable definition (functions, views): sql/definitions/NN_name.sql. */
struct sql_definition {
	const char *name;
	const char *text;
};

extern const struct sql_definition sql_definitions[];
extern const size_t sql_definitions_count;

#endif

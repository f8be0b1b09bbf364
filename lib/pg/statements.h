/*
 * The statements the daemon sends whose cost the benchmark compares against
 * PostgreSQL alone. Each is defined once, next to the handler that sends it;
 * `policytrack sql NAME` prints the same text so bench/run feeds pgbench the
 * daemon's own SQL rather than a retyped copy.
 */
#ifndef PT_STATEMENTS_H
#define PT_STATEMENTS_H

#include <stddef.h>

struct statement {
	const char *name;
	const char *sql;
	/* "$n name type" for each parameter, in order; NULL-terminated. */
	const char *const *params;
};

extern const struct statement stmt_task_list;
extern const struct statement stmt_task_update;

extern const struct statement *const statements[];
extern const size_t statements_count;

const struct statement *statement_find(const char *name);

#endif

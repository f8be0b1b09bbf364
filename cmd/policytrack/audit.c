#include "audit.h"

#include <string.h>

#include "pg/sql_names.h"

/* Rows are read in batches, so a long trail needs no memory in proportion to it. */
#define BATCH      10000
#define BATCH_TEXT "10000"

int
audit_verify(PGconn *conn, FILE *out, FILE *err)
{
	char after[32] = "0", expected_prev[65];
	memset(expected_prev, '0', 64);
	expected_prev[64] = '\0';
	long long checked = 0;
	for (;;) {
		const char *values[] = { after, BATCH_TEXT };
		PGresult *r =
		    PQexecParams(conn, sql_audit_events_after.text, sql_audit_events_after.nparams,
		                 NULL, values, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			fprintf(err, "policytrack audit verify: %s", PQerrorMessage(conn));
			PQclear(r);
			return 1;
		}
		int n = PQntuples(r);
		for (int i = 0; i < n; i++) {
			const char *id = PQgetvalue(r, i, 0);
			const char *prev = PQgetvalue(r, i, 1);
			const char *hash = PQgetvalue(r, i, 2);
			const char *recomputed = PQgetvalue(r, i, 3);
			if (strcmp(prev, expected_prev) != 0) {
				fprintf(
				    out,
				    "broken at event %s: it names %s as the previous hash, but the "
				    "previous event's hash is %s (an event before it was removed "
				    "or rewritten)\n",
				    id, prev, expected_prev);
				PQclear(r);
				return 1;
			}
			if (strcmp(hash, recomputed) != 0) {
				fprintf(
				    out,
				    "broken at event %s: its content no longer matches its hash "
				    "(stored %s, computed %s): the row was altered\n",
				    id, hash, recomputed);
				PQclear(r);
				return 1;
			}
			snprintf(expected_prev, sizeof(expected_prev), "%s", hash);
			snprintf(after, sizeof(after), "%s", id);
			checked++;
		}
		PQclear(r);
		if (n < BATCH)
			break;
	}
	fprintf(out, "audit trail intact: %lld events, last hash %s\n", checked, expected_prev);
	return 0;
}

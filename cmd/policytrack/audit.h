/*
 * `policytrack audit verify`: walks the events table in id order, recomputes
 * each row's hash (events_row_hash, the function the insert trigger uses) and
 * checks that each row names its predecessor's hash. Says where it breaks.
 */
#ifndef PT_AUDIT_H
#define PT_AUDIT_H

#include <libpq-fe.h>
#include <stdio.h>

/* Returns 0 when the chain is whole, 1 when it breaks (said on out) or cannot be read. */
int audit_verify(PGconn *conn, FILE *out, FILE *err);

#endif

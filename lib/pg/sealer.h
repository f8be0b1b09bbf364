/*
 * The audit trail's sequencer (migration 0031, docs/security.md): events are
 * chained per subject as they are written, and put into one global order
 * after commit by events_seal(). The daemon runs it after each of its writes
 * (sealer_kick) and on a timer for writes made elsewhere (a CLI, another
 * daemon that stopped), one call at a time, only on an idle connection so it
 * never takes a place a request needs. Sealers of several daemons exclude
 * each other in the database, each in its own short transaction.
 *
 * On the same timer (not on each write) it folds the dashboards' sums:
 * dashboard_sums_fold() adds the writers' committed parts into the kept
 * rows (migration 0032, docs/dashboards.md), also in a short transaction
 * of its own; readers are exact without it.
 *
 * Ownership: main makes one after the pool and frees it before the pool.
 */
#ifndef PT_PG_SEALER_H
#define PT_PG_SEALER_H

#include <stdbool.h>
#include <stdint.h>

struct event_base;
struct db_pool;
struct sealer;

struct sealer *sealer_new(struct event_base *base, struct db_pool *db, int interval_ms);
void sealer_free(struct sealer *s);

/* Seal soon: a write of this daemon committed. */
void sealer_kick(struct sealer *s);

/*
 * Told when calls start failing (false) and when one answers again (true).
 * The same call sends the caches' 'data' notification (migration 0033), so
 * while it fails other writers' changes may go unheard.
 */
typedef void (*sealer_health_fn)(void *arg, bool answering);
void sealer_on_health(struct sealer *s, sealer_health_fn fn, void *arg);

/* What the sealer did since start, for /metrics. */
struct sealer_stats {
	uint64_t runs;       /* calls that answered */
	uint64_t sealed;     /* events they sealed */
	uint64_t failures;   /* calls that failed (the timer tries again) */
	double last_seconds; /* the last answered call's time, -1 before one */
};
void sealer_stats(const struct sealer *s, struct sealer_stats *out);

#endif

/*
 * The webhook outbox's sender (docs/webhooks.md). On a timer it claims due
 * deliveries from the database (webhook_claim: FOR UPDATE SKIP LOCKED with a
 * lease, so several daemons do not send a row twice), posts each with
 * libevent's HTTP client (evdns for names, OpenSSL bufferevents for https)
 * without blocking the loop, and records the outcome (webhook_record: retry
 * with backoff and jitter, or park). It also runs the daily reminders and
 * samples the outbox's depth for /metrics.
 *
 * Ownership: main makes one outbox after the pool and frees it before the
 * pool; deliveries in flight at that point are dropped, and their lease runs
 * out so another run sends them again (the same delivery id).
 */
#ifndef PT_HTTP_OUTBOX_H
#define PT_HTTP_OUTBOX_H

#include <stdint.h>

struct event_base;
struct db_pool;
struct outbox;

struct outbox_config {
	int timeout_ms;            /* a whole attempt: connect, send, answer */
	int retry_base_ms;         /* the first retry's delay, doubling after (with jitter) */
	int max_attempts;          /* parked after this many */
	int poll_ms;               /* how often due deliveries are claimed */
	int max_in_flight;         /* deliveries sent at once by this daemon; 0: none */
	int reminder_days;         /* due soon: within this many days */
	const char *reminder_time; /* "HH:MM", local (the pool's time zone) */
};

struct outbox_stats {
	uint64_t attempts;  /* attempts started */
	uint64_t failures;  /* attempts that failed */
	uint64_t delivered; /* deliveries delivered */
	uint64_t parked;    /* deliveries this daemon parked */
	long in_flight;
	long pending;    /* the outbox's depth, as last sampled; -1 before the first sample */
	long parked_now; /* parked deliveries in the database, as last sampled */
};

struct outbox *outbox_new(struct event_base *base, struct db_pool *db,
                          const struct outbox_config *cfg);
void outbox_free(struct outbox *ob);
void outbox_stats(const struct outbox *ob, struct outbox_stats *out);

#endif

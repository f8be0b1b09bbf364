/* What request handlers reach: the long-lived parts of a running daemon. */
#ifndef PT_APP_H
#define PT_APP_H

struct event_base;
struct config;
struct db_pool;
struct metrics;
struct http_server;
struct hasher;
struct caches;
struct outbox;
struct replica;
struct sealer;

struct app {
	struct event_base *base;
	const struct config *cfg;
	struct db_pool *db;
	struct metrics *metrics;
	struct http_server *http;
	struct hasher *hasher;   /* argon2id in helper processes, off the loop */
	struct caches *caches;   /* dashboards and token identities, kept fresh by LISTEN */
	struct outbox *outbox;   /* webhook deliveries (http/outbox.h) */
	struct replica *replica; /* --replica-url: where some reads may go; NULL: none */
	struct sealer *sealer;   /* the audit trail's sequencer (pg/sealer.h) */
};

#endif

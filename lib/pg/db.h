/*
 * A pool of non-blocking libpq connections driven by the daemon's libevent loop.
 * No call here blocks: connections are made by pg/connect.h, each statement is
 * prepared once per connection (PQsendPrepare; one of sql/ under its own name)
 * and run with PQsendQueryPrepared (or, in unnamed mode, sent each time with
 * PQsendQueryParams: db_pool_config.unnamed), and results are read with
 * PQconsumeInput/PQisBusy/PQgetResult from socket events. Connections stay
 * in pipeline mode, each query with a Sync of its own, so that a read may be
 * sent behind a busy connection's query (db_options.read_only). Queries wait in a
 * bounded FIFO when every connection is busy; lost connections come back with
 * capped exponential backoff. A statement with guards (pg/sql.h) is prepared
 * as one variant per set of filters given, run on a generic plan.
 */
#ifndef PT_DB_H
#define PT_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"

struct event_base;
struct db_pool;
struct db_query;

struct db_pool_config {
	const char *conninfo;
	const char *time_zone; /* every connection's TimeZone (config.h); NULL: the server's */
	/* More "-c name=value" options for every connection (the norms SQL reads); NULL: none. */
	const char *settings;
	int size;
	int queue_size;
	int acquire_timeout_ms; /* longest wait in the queue */
	int query_timeout_ms;   /* statement_timeout; the loop gives up 1 s after it */
	int reconnect_max_ms;
	/*
	 * Unnamed statements for a pooler in transaction mode (pgbouncer): each
	 * query is sent unprepared (Parse/Bind/Execute of the unnamed statement)
	 * behind a set_config(..., true) of the timeout, the time zone and the
	 * settings, both in one pipeline ending in one Sync: one implicit
	 * transaction, so a server connection the pooler hands to another client
	 * afterwards keeps nothing of ours. No "options" go in the startup packet.
	 */
	bool unnamed;
};

enum db_status {
	DB_OK,           /* result holds the answer (PGRES_TUPLES_OK or PGRES_COMMAND_OK) */
	DB_SQL_ERROR,    /* the server refused the statement: result holds the error */
	DB_UNAVAILABLE,  /* no connection to the database */
	DB_TIMEOUT,      /* no free connection in time, or the statement ran too long */
	DB_OVERLOADED,   /* the wait queue is full */
	DB_SHUTTING_DOWN /* the pool is being freed */
};

struct db_result {
	enum db_status status;
	PGresult *res; /* NULL unless DB_OK or DB_SQL_ERROR; freed by the pool after the callback */
	const char *message; /* human-readable reason for a failure */
};

/*
 * Called exactly once per submitted query unless the query was abandoned. It may
 * submit further queries. It must not free the pool.
 */
typedef void (*db_done_fn)(void *arg, const struct db_result *result);

struct db_pool *db_pool_new(struct event_base *base, const struct db_pool_config *cfg);

/* Abandons queued and running queries without calling back, closes connections. */
void db_pool_free(struct db_pool *pool);

/*
 * Sends a statement of sql/ (pg/sql.h) with text parameters, as many as the
 * statement has (values may be NULL for SQL NULL; copied); each connection
 * prepares it once under its name. Returns a handle, or NULL with *refusal
 * set (DB_UNAVAILABLE when the database is known to be down, DB_OVERLOADED
 * when the queue is full): then done is never called and the caller answers
 * at once.
 */
struct sql_statement;
struct db_query *db_submit(struct db_pool *pool, const struct sql_statement *stmt,
                           const char *const *values, db_done_fn done, void *arg,
                           enum db_status *refusal) PT_WARN_UNUSED;

/*
 * What a query may need besides text parameters: one parameter sent in binary
 * (a bytea's bytes as they are, where text would be hex at twice the size),
 * and results in binary (a bytea column as its bytes; text columns are their
 * text either way, other types their binary form).
 */
struct db_options {
	int binary_param;  /* the 0-based parameter sent in binary; -1 for none */
	void *binary_data; /* its bytes, malloc'd: the query takes them, freed once sent */
	size_t binary_len; /* at most INT_MAX */
	bool binary_results;
	/*
	 * The statement only reads: while every connection is busy it may be
	 * sent behind another query (pipelined), and answered DB_TIMEOUT at the
	 * acquire timeout while it still waits there, its result dropped.
	 */
	bool read_only;
};

/*
 * db_submit with options (NULL: none). The query takes opts->binary_data, also
 * when it is refused. A connection that carried a large parameter or result is
 * replaced afterwards (libpq keeps its buffers at their largest), except the
 * one connection that keeps answers of 1-4 MiB: statements that gave one go
 * to it when it is free.
 */
struct db_query *db_submit_with(struct db_pool *pool, const struct sql_statement *stmt,
                                const char *const *values, const struct db_options *opts,
                                db_done_fn done, void *arg, enum db_status *refusal) PT_WARN_UNUSED;

/* The caller no longer wants the answer (its client left); done will not be called. */
void db_query_abandon(struct db_query *q);

struct db_pool_stats {
	long in_use, idle, connecting, down, waiting;
	long pipelined; /* sent behind another query on a busy connection, not yet running */
	uint64_t reconnects, errors;
};
void db_pool_stats(const struct db_pool *pool, struct db_pool_stats *out);

/* The backoff before reconnect attempt `attempt` (0-based), without jitter. */
int db_backoff_ms(int attempt, int cap_ms);

#endif

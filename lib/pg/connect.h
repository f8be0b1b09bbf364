/*
 * One non-blocking connection attempt to PostgreSQL, driven by the loop: the
 * pool's connections (db.c) and the change feed (change_feed.c) are both made
 * here. PQconnectStartParams, then PQconnectPoll on socket events (first
 * waiting for writable, re-reading PQsocket after every poll, since libpq may
 * try several addresses), under a deadline of our own: libpq's
 * connect_timeout is not applied to PQconnectPoll.
 */
#ifndef PT_PG_CONNECT_H
#define PT_PG_CONNECT_H

#include <libpq-fe.h>

struct event_base;
struct pg_connect;

/*
 * The attempt's end, called exactly once unless cancelled, and never before
 * pg_connect_start has returned. On success conn is the caller's, already
 * non-blocking, and error NULL; on failure conn is NULL and error says why
 * (valid during the call). The attempt is freed before the call.
 */
typedef void (*pg_connect_fn)(void *arg, PGconn *conn, const char *error);

/*
 * Starts connecting with libpq's keywords and values (NULL-terminated; a
 * "dbname" value is expanded as a connection string, later keywords win).
 */
struct pg_connect *pg_connect_start(struct event_base *base, const char *const *keys,
                                    const char *const *values, int timeout_ms, pg_connect_fn done,
                                    void *arg);

/* Gives up an attempt in progress: closes its socket; done is not called. NULL is a no-op. */
void pg_connect_cancel(struct pg_connect *pc);

#endif

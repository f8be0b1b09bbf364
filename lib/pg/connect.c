#include "pg/connect.h"

#include <event2/event.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/util.h"

struct pg_connect {
	struct event_base *base;
	PGconn *conn;
	struct event *io;    /* one-shot: what PQconnectPoll waits for */
	struct event *timer; /* the deadline, or an immediate failure */
	pg_connect_fn done;
	void *arg;
	char error[512]; /* set before the timer reports a failure found at start */
};

static void on_io(evutil_socket_t fd, short what, void *arg);

static void
free_attempt(struct pg_connect *pc)
{
	if (pc->io)
		event_free(pc->io);
	event_free(pc->timer);
	free(pc);
}

/* Ends the attempt: frees it, then tells the caller (who may start another). */
static void
finish(struct pg_connect *pc, bool ok, const char *why)
{
	PGconn *conn = pc->conn;
	pg_connect_fn done = pc->done;
	void *arg = pc->arg;
	char error[512];
	if (!ok) {
		snprintf(error, sizeof(error), "%s", why ? why : PQerrorMessage(conn));
		/* The attempt's socket is not yet the caller's: close it here. */
		PQfinish(conn);
		conn = NULL;
	}
	free_attempt(pc);
	done(arg, conn, ok ? NULL : error);
}

/* Drives PQconnectPoll one step and waits for what it asks for. */
static void
poll_step(struct pg_connect *pc)
{
	short wait;
	switch (PQconnectPoll(pc->conn)) {
	case PGRES_POLLING_OK:
		/* Without it PQflush could block the loop. */
		if (PQsetnonblocking(pc->conn, 1) != 0) {
			finish(pc, false, "could not make the connection non-blocking");
			return;
		}
		finish(pc, true, NULL);
		return;
	case PGRES_POLLING_FAILED:
		finish(pc, false, NULL);
		return;
	case PGRES_POLLING_READING:
		wait = EV_READ;
		break;
	case PGRES_POLLING_WRITING:
	case PGRES_POLLING_ACTIVE:
	default:
		wait = EV_WRITE;
		break;
	}
	/* The socket may change between polls (libpq tries several addresses). */
	if (pc->io)
		event_free(pc->io);
	pc->io = event_new(pc->base, PQsocket(pc->conn), wait, on_io, pc);
	if (!pc->io)
		abort();
	event_add(pc->io, NULL);
}

static void
on_io(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	poll_step(arg);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct pg_connect *pc = arg;
	finish(pc, false, pc->error[0] ? pc->error : "connecting to the database timed out");
}

struct pg_connect *
pg_connect_start(struct event_base *base, const char *const *keys, const char *const *values,
                 int timeout_ms, pg_connect_fn done, void *arg)
{
	struct pg_connect *pc = xcalloc(1, sizeof(*pc));
	pc->base = base;
	pc->done = done;
	pc->arg = arg;
	pc->timer = evtimer_new(base, on_timer, pc);
	if (!pc->timer)
		abort();
	pc->conn = PQconnectStartParams(keys, values, 1);
	if (!pc->conn)
		abort();
	if (PQstatus(pc->conn) == CONNECTION_BAD) {
		/* Reported from the loop, so that done never runs inside this call. */
		snprintf(pc->error, sizeof(pc->error), "%s", PQerrorMessage(pc->conn));
		struct timeval now = { 0, 0 };
		event_add(pc->timer, &now);
		return pc;
	}
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
	event_add(pc->timer, &tv);
	/* Per libpq's docs, the first wait is for the socket to be writable. */
	pc->io = event_new(base, PQsocket(pc->conn), EV_WRITE, on_io, pc);
	if (!pc->io)
		abort();
	event_add(pc->io, NULL);
	return pc;
}

void
pg_connect_cancel(struct pg_connect *pc)
{
	if (!pc)
		return;
	PQfinish(pc->conn);
	free_attempt(pc);
}

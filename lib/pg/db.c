#include "pg/db.h"

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "core/log.h"
#include "pg/connect.h"
#include "pg/sql.h"

/* Connecting to PostgreSQL on the same machine takes milliseconds; 5 s means it is gone. */
#define CONNECT_TIMEOUT_MS 5000
#define BACKOFF_BASE_MS    100
/* The server's statement_timeout fires first; the loop gives up this much later. */
#define QUERY_DEADLINE_GRACE_MS 1000
/*
 * libpq grows a connection's buffers to the largest message it sent or read
 * and never shrinks them: a connection that carried more than this (an
 * evidence file, a huge export) is closed and made anew once it is done, so
 * that the pool does not keep a file's worth of memory per connection.
 */
#define RECYCLE_BYTES (4u * 1024 * 1024)
/*
 * The same buffers hold a dashboard's answer (the matrix: 1.7 MB at 20,000
 * tasks) on every connection that ever served it, so RSS rose by the pool
 * size times that answer. One connection of the pool, the bulky one, keeps
 * answers of this size or more; statements that gave one are sent to it when
 * it is free, and any other connection that gets one is replaced afterwards.
 */
#define BULKY_BYTES (1u * 1024 * 1024)
/*
 * Variants (pg/sql.h) a connection prepares at most, in all and of one
 * statement: each keeps its parsed query and plan in the server session
 * (0.75 MB for the task list or the work-item list, 0.43 MB for the measure
 * list, 0.2 MB for the others: docs/performance.md), and the filter sets
 * clients may name are thousands. The cap per statement keeps one list's
 * many filter sets from taking every place; a set beyond either cap runs the
 * statement as written, planned per request as before.
 */
#define VARIANTS_MAX           24
#define VARIANTS_PER_STATEMENT 16
/*
 * A variant runs with PostgreSQL's generic plan forced: left to choose, it
 * keeps custom plans for ever, since a generic plan must guess the LIMIT
 * (10 % of the rows) and so looks dearer than every custom one; that guess
 * would also pass jit_above_cost, and JIT-compiling a 20-row page costs tens
 * of milliseconds, so JIT is off while the plan is made and run. Both are
 * set on the connection when it switches between a variant and any other
 * statement, and back: no message at all while it serves lists only.
 */
static const char *const generic_on[] = { "SET plan_cache_mode = force_generic_plan",
	                                  "SET jit = off" };
static const char *const generic_off[] = { "RESET plan_cache_mode", "RESET jit" };
/*
 * Every connection stays in libpq's pipeline mode, and each query goes as its
 * messages and a Sync of its own (one implicit transaction, as before, so an
 * error fails that query alone). While every connection is busy, a query may
 * be sent behind the one a connection is running, up to this many in all:
 * the backend then finds its next query already read when it finishes one,
 * rather than sleeping until the daemon's send wakes it (a wake-up the
 * daemon's CPU pays for), and answers come back to back.
 */
#define PIPELINE_DEPTH 2
/*
 * Only behind statements that are quick on average (an exponential mean of
 * their run times on this pool): a query is not sent to wait behind an
 * export or a report while another connection might free up sooner.
 */
#define PIPELINE_SLOW_US 50000u
enum conn_state { CONN_DOWN, CONN_CONNECTING, CONN_IDLE, CONN_BUSY };

/* A variant of a statement prepared on a connection. */
struct conn_variant {
	int index; /* the statement's place in sql_statements[] */
	uint64_t mask;
};

struct db_query {
	TAILQ_ENTRY(db_query) link;
	struct db_pool *pool;
	const struct sql_statement *stmt;
	int nparams;
	char **values;
	int binary_param;  /* -1, or the parameter whose bytes are binary_data */
	void *binary_data; /* freed once libpq has them */
	size_t binary_len;
	bool binary_results;
	bool read_only;
	uint64_t mask; /* the variant's (sql_variant_mask), when stmt has guards */
	db_done_fn done;
	void *arg;
	bool abandoned;
	bool queued;
	uint64_t deadline_ns; /* while queued or sent behind another */
	/* Once sent: what its messages were, to judge its results by. */
	int nsyncs;            /* Syncs sent for it: 2 when the plan mode changed first */
	int ncommands;         /* commands sent for it, each answered by results and a NULL */
	int prepare_part;      /* the command that prepared its statement, or -1 */
	int plan_parts;        /* commands (from 0) that switched the plan mode */
	bool prepared_variant; /* prepare_part prepared a variant, not the statement */
};

TAILQ_HEAD(query_queue, db_query);

struct db_conn {
	struct db_pool *pool;
	int index;
	enum conn_state state;
	PGconn *pg;
	struct pg_connect *connecting; /* the attempt, while connecting */
	struct event *read_ev;         /* persistent, while connected */
	struct event *write_ev;        /* added only while output is pending */
	struct event *timer;           /* query deadline or reconnect backoff */
	struct event *wait_timer;      /* the acquire deadline of the first query sent behind */
	int failures;                  /* consecutive failed attempts, drives the backoff */
	bool connected_before;
	bool recycled; /* closed on purpose (RECYCLE_BYTES, BULKY_BYTES): not a reconnect */
	/* Sent and unanswered, oldest (the one the server is running) first. */
	struct query_queue inflight;
	int ninflight;
	bool retire;      /* to be made anew once inflight is empty; takes no more */
	uint64_t head_ns; /* when the head of inflight became the one running */
	/* The head's results so far: the first error, else the last result. */
	PGresult *result;
	int part;       /* the head's command the coming results belong to */
	int error_part; /* the command that gave result its error */
	int syncs;      /* the head's Syncs answered */
	/*
	 * By sql_statements[] index: prepared on this connection under its own
	 * name, so PostgreSQL parses and plans the long JSON-building SQL once per
	 * connection rather than once per request.
	 */
	bool *stmt_prepared;
	/* The variants prepared on this connection (by name statement~mask in hex). */
	struct conn_variant variants[VARIANTS_MAX];
	int nvariants;
	bool generic; /* generic_on is in force on this session (once what is sent has run) */
};

struct db_pool {
	struct event_base *base;
	struct db_pool_config cfg;
	char *conninfo;
	char *options;      /* "-c statement_timeout=N" */
	char *settings_sql; /* unnamed mode: the same settings as set_config(..., true) */
	struct db_conn *conns;
	struct query_queue queue;
	int queued;
	struct event *queue_timer;
	struct db_conn *bulky;  /* the connection that keeps large answers (BULKY_BYTES), or NULL */
	bool *stmt_bulky;       /* by sql_statements[] index: it gave a large answer */
	uint32_t *stmt_mean_us; /* by index: the mean of its run times (1/8 weight to each) */
	/* Set when a connection attempt or a live connection failed, cleared on success. */
	bool failing;
	uint64_t reconnects, errors;
};

static void conn_connect(struct db_conn *c);
static void conn_fail(struct db_conn *c, enum db_status status, const char *why);
static void pool_dispatch(struct db_pool *pool);

int
db_backoff_ms(int attempt, int cap_ms)
{
	long ms = BACKOFF_BASE_MS;
	for (int i = 0; i < attempt && ms < cap_ms; i++)
		ms *= 2;
	return ms > cap_ms ? cap_ms : (int)ms;
}

static struct timeval
ms_to_tv(long ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	return tv;
}

static void
query_free(struct db_query *q)
{
	for (int i = 0; i < q->nparams; i++)
		free(q->values[i]);
	free(q->values);
	free(q->binary_data);
	free(q);
}

/* Answers q (unless abandoned) and frees it. */
static void
query_finish(struct db_query *q, enum db_status status, PGresult *res, const char *message)
{
	if (!q->abandoned && q->done) {
		struct db_result r = { .status = status, .res = res, .message = message };
		q->done(q->arg, &r);
	}
	query_free(q);
}

static void
log_db(enum log_level level, const char *msg, const struct db_conn *c, const char *detail)
{
	cJSON *f = cJSON_CreateObject();
	cJSON_AddNumberToObject(f, "conn", c->index);
	if (detail)
		cJSON_AddStringToObject(f, "detail", detail);
	log_emit(level, msg, f);
}

static void
notice_processor(void *arg, const char *message)
{
	struct db_conn *c = arg;
	log_db(LOG_INFO, "postgres notice", c, message);
}

static void
conn_close(struct db_conn *c)
{
	pg_connect_cancel(c->connecting);
	c->connecting = NULL;
	if (c->read_ev) {
		event_free(c->read_ev);
		c->read_ev = NULL;
	}
	if (c->write_ev) {
		event_free(c->write_ev);
		c->write_ev = NULL;
	}
	event_del(c->timer);
	event_del(c->wait_timer);
	if (c->result) {
		PQclear(c->result);
		c->result = NULL;
	}
	/* Prepared statements die with their session. */
	if (c->stmt_prepared)
		memset(c->stmt_prepared, 0, sql_statements_count * sizeof(bool));
	c->nvariants = 0;
	c->generic = false;
	c->retire = false;
	c->part = c->syncs = 0;
	if (c->pool->bulky == c)
		c->pool->bulky = NULL;
	if (c->pg) {
		/* Non-blocking mode is set, so the Terminate message cannot block here. */
		PQfinish(c->pg);
		c->pg = NULL;
	}
	c->state = CONN_DOWN;
}

static void
schedule_reconnect(struct db_conn *c)
{
	int ms = db_backoff_ms(c->failures, c->pool->cfg.reconnect_max_ms);
	/* Jitter in [ms/2, ms] keeps the pool's connections from retrying in lockstep. */
	ms = ms / 2 + (int)(random() % (ms / 2 + 1));
	c->failures++;
	struct timeval tv = ms_to_tv(ms);
	event_add(c->timer, &tv);
}

static bool
pool_has_live_connection(const struct db_pool *pool)
{
	for (int i = 0; i < pool->cfg.size; i++)
		if (pool->conns[i].state == CONN_IDLE || pool->conns[i].state == CONN_BUSY)
			return true;
	return false;
}

static bool
pool_all_down(const struct db_pool *pool)
{
	for (int i = 0; i < pool->cfg.size; i++)
		if (pool->conns[i].state != CONN_DOWN)
			return false;
	return true;
}

/* Fails every waiting query: used when no connection can serve them soon. */
static void
fail_queue(struct db_pool *pool, enum db_status status, const char *why)
{
	struct db_query *q;
	while ((q = TAILQ_FIRST(&pool->queue)) != NULL) {
		TAILQ_REMOVE(&pool->queue, q, link);
		pool->queued--;
		q->queued = false;
		query_finish(q, status, NULL, why);
	}
	event_del(pool->queue_timer);
}

static void
conn_fail(struct db_conn *c, enum db_status status, const char *why)
{
	struct db_pool *pool = c->pool;
	char message[512];
	snprintf(message, sizeof(message), "%s", why);
	/* libpq's messages end with a newline; the log line should not. */
	size_t n = strlen(message);
	while (n && (message[n - 1] == '\n' || message[n - 1] == ' '))
		message[--n] = '\0';
	log_db(LOG_WARN,
	       c->state == CONN_CONNECTING ? "database connect failed" : "database connection lost",
	       c, message);
	pool->errors++;
	pool->failing = true;
	struct query_queue lost;
	TAILQ_INIT(&lost);
	TAILQ_CONCAT(&lost, &c->inflight, link);
	c->ninflight = 0;
	conn_close(c);
	schedule_reconnect(c);
	struct db_query *q;
	while ((q = TAILQ_FIRST(&lost)) != NULL) {
		TAILQ_REMOVE(&lost, q, link);
		query_finish(q, status, NULL, message);
	}
	if (!pool_has_live_connection(pool) && pool_all_down(pool))
		fail_queue(pool, DB_UNAVAILABLE, "the database is unreachable");
}

static void
conn_on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct db_conn *c = arg;
	switch (c->state) {
	case CONN_DOWN:
		conn_connect(c);
		break;
	case CONN_BUSY:
		/* The server ignored statement_timeout (or is wedged): drop the connection. */
		conn_fail(c, DB_TIMEOUT, "the query exceeded its deadline");
		break;
	case CONN_IDLE:
		break;
	case CONN_CONNECTING: /* the attempt keeps its own deadline */
	default:
		abort();
	}
}

static enum db_status
classify_result(PGresult *res, const char **message)
{
	ExecStatusType st = PQresultStatus(res);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
		*message = NULL;
		return DB_OK;
	}
	*message = PQresultErrorMessage(res);
	const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	/* Errors libpq makes up itself (lost sync, a dropped socket) carry no SQLSTATE. */
	if (!sqlstate)
		return DB_UNAVAILABLE;
	/* A deadlock or serialization loss: the same request may well succeed if retried. */
	if (strcmp(sqlstate, "40P01") == 0 || strcmp(sqlstate, "40001") == 0)
		return DB_TIMEOUT;
	if (strcmp(sqlstate, "57014") == 0)
		return DB_TIMEOUT; /* statement_timeout */
	if (strncmp(sqlstate, "08", 2) == 0 || strncmp(sqlstate, "57P", 3) == 0)
		return DB_UNAVAILABLE;
	return DB_SQL_ERROR;
}

static bool conn_send(struct db_conn *c, struct db_query *q);

/* q is quick on average and answers little: one may wait behind it. */
static bool
quick(const struct db_pool *pool, const struct db_query *q)
{
	return q->binary_param < 0 && !q->binary_results && !pool->stmt_bulky[q->stmt->index] &&
	       pool->stmt_mean_us[q->stmt->index] < PIPELINE_SLOW_US;
}

static void
arm_deadline(struct db_conn *c)
{
	struct timeval tv = ms_to_tv(c->pool->cfg.query_timeout_ms + QUERY_DEADLINE_GRACE_MS);
	event_add(c->timer, &tv);
}

/* Forgets what a failed command of q's would have made on c, had it run. */
static void
undo_failed_setup(struct db_conn *c, const struct db_query *q)
{
	if (c->error_part < q->plan_parts) {
		/* Which plan mode the session is in is unknown now: start afresh. */
		c->retire = true;
	} else if (c->error_part == q->prepare_part) {
		/* Statements sent behind it on c fail the same way; those after prepare it again.
		 */
		if (!q->prepared_variant) {
			c->stmt_prepared[q->stmt->index] = false;
			return;
		}
		for (int i = 0; i < c->nvariants; i++)
			if (c->variants[i].index == q->stmt->index &&
			    c->variants[i].mask == q->mask) {
				c->variants[i] = c->variants[--c->nvariants];
				break;
			}
	}
}

/* Arms c's wait_timer for the first query sent behind the running one and not yet answered. */
static void
conn_arm_wait(struct db_conn *c)
{
	struct db_query *q = TAILQ_FIRST(&c->inflight);
	while (q && (q == TAILQ_FIRST(&c->inflight) || q->abandoned))
		q = TAILQ_NEXT(q, link);
	if (!q) {
		event_del(c->wait_timer);
		return;
	}
	uint64_t now = pt_monotonic_ns();
	uint64_t wait_ns = q->deadline_ns > now ? q->deadline_ns - now : 0;
	struct timeval tv = { .tv_sec = (time_t)(wait_ns / 1000000000u),
		              .tv_usec = (suseconds_t)((wait_ns % 1000000000u) / 1000u) };
	event_add(c->wait_timer, &tv);
}

/*
 * A query sent behind another keeps the acquire timeout of the queue: one
 * that has not started by then is answered as timed out and its result, when
 * it comes, dropped. Only reads are sent behind (db_options.read_only), so an
 * answer given up on changes nothing.
 */
static void
conn_on_wait_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct db_conn *c = arg;
	uint64_t now = pt_monotonic_ns();
	/* Marked first, answered after: an answer may submit queries, or fail c. */
	struct {
		db_done_fn done;
		void *arg;
	} expired[PIPELINE_DEPTH];
	int n = 0;
	struct db_query *q = TAILQ_FIRST(&c->inflight);
	while (q && (q = TAILQ_NEXT(q, link)) != NULL && n < PIPELINE_DEPTH) {
		if (q->abandoned || q->deadline_ns > now)
			continue;
		q->abandoned = true;
		expired[n].done = q->done;
		expired[n++].arg = q->arg;
	}
	conn_arm_wait(c);
	struct db_result r = { .status = DB_TIMEOUT,
		               .message = "no database connection became free in time" };
	for (int i = 0; i < n; i++)
		if (expired[i].done)
			expired[i].done(expired[i].arg, &r);
}

/* The head of c's inflight has all its results: answer it, start on the next. */
static void
conn_query_done(struct db_conn *c)
{
	struct db_pool *pool = c->pool;
	struct db_query *q = TAILQ_FIRST(&c->inflight);
	TAILQ_REMOVE(&c->inflight, q, link);
	c->ninflight--;
	PGresult *res = c->result;
	c->result = NULL;
	c->syncs = 0;
	c->part = 0;
	uint64_t now = pt_monotonic_ns();
	uint64_t took_us = (now - c->head_ns) / 1000u;
	/* A first run on c, with its preparation, says little of the next ones. */
	uint32_t *mean = &pool->stmt_mean_us[q->stmt->index];
	if (q->prepare_part < 0 && q->plan_parts == 0)
		*mean =
		    (uint32_t)((*mean * 7u + (took_us > UINT32_MAX ? UINT32_MAX : took_us)) / 8u);
	c->head_ns = now;
	const char *message = "the database sent no result";
	enum db_status status = res ? classify_result(res, &message) : DB_UNAVAILABLE;
	if (status != DB_OK) {
		pool->errors++;
		if (res)
			undo_failed_setup(c, q);
	}
	size_t res_bytes = res ? PQresultMemorySize(res) : 0;
	bool recycle = q->binary_len > RECYCLE_BYTES || res_bytes > RECYCLE_BYTES;
	if (!recycle && res_bytes >= BULKY_BYTES) {
		pool->stmt_bulky[q->stmt->index] = true;
		if (!pool->bulky)
			pool->bulky = c;
		recycle = pool->bulky != c;
	}
	if (recycle)
		c->retire = true;
	if (c->ninflight > 0) {
		arm_deadline(c);
		conn_arm_wait(c);
	} else {
		event_del(c->timer);
		c->state = CONN_IDLE;
		if (c->retire) {
			/* The result outlives its connection; a new one serves what comes next. */
			conn_close(c);
			c->recycled = true;
			conn_connect(c);
		}
	}
	query_finish(q, status, res, message);
	if (res)
		PQclear(res);
	/* The callback may have given c a new query, or failed it already: look again. */
	if (c->state == CONN_IDLE && PQstatus(c->pg) == CONNECTION_BAD)
		conn_fail(c, DB_UNAVAILABLE, PQerrorMessage(c->pg));
	else
		pool_dispatch(pool);
}

static void
conn_on_io(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	struct db_conn *c = arg;
	if (what & EV_WRITE) {
		int r = PQflush(c->pg);
		if (r < 0) {
			conn_fail(c, DB_UNAVAILABLE, PQerrorMessage(c->pg));
			return;
		}
		if (r == 0)
			event_del(c->write_ev);
	}
	if (!(what & EV_READ))
		return;
	if (!PQconsumeInput(c->pg)) {
		conn_fail(c, DB_UNAVAILABLE, PQerrorMessage(c->pg));
		return;
	}
	/*
	 * Pool connections LISTEN to nothing (the change feed has a connection of
	 * its own), but a NOTIFY sent on one would queue here: drain it.
	 */
	PGnotify *n;
	while ((n = PQnotifies(c->pg)) != NULL)
		PQfreemem(n);
	switch (c->state) {
	case CONN_BUSY:
		/*
		 * Each command's results end in a NULL, each query's in its Sync's
		 * result; a command after an error, up to the Sync, is only reported
		 * aborted. Answering a query may fail or recycle c: look again.
		 */
		while (c->state == CONN_BUSY && !PQisBusy(c->pg)) {
			PGresult *res = PQgetResult(c->pg);
			if (!res) {
				/* More ends than commands: libpq has lost the connection. */
				if (++c->part > TAILQ_FIRST(&c->inflight)->ncommands) {
					conn_fail(c, DB_UNAVAILABLE, PQerrorMessage(c->pg));
					return;
				}
				continue;
			}
			ExecStatusType st = PQresultStatus(res);
			if (st == PGRES_PIPELINE_SYNC) {
				PQclear(res);
				if (++c->syncs == TAILQ_FIRST(&c->inflight)->nsyncs)
					conn_query_done(c);
				continue;
			}
			if (st == PGRES_PIPELINE_ABORTED) {
				PQclear(res);
				continue;
			}
			/* Keep the first error, else the last result (the settings' comes first).
			 */
			if (!c->result) {
				c->result = res;
				c->error_part = c->part;
			} else if (PQresultStatus(c->result) == PGRES_FATAL_ERROR) {
				PQclear(res);
			} else {
				PQclear(c->result);
				c->result = res;
				c->error_part = c->part;
			}
		}
		break;
	case CONN_IDLE:
		if (PQstatus(c->pg) == CONNECTION_BAD)
			conn_fail(c, DB_UNAVAILABLE, PQerrorMessage(c->pg));
		break;
	case CONN_DOWN:
	case CONN_CONNECTING:
	default:
		abort();
	}
}

static void
conn_connected(struct db_conn *c)
{
	struct db_pool *pool = c->pool;
	PQsetNoticeProcessor(c->pg, notice_processor, c);
	if (!PQenterPipelineMode(c->pg)) {
		conn_fail(c, DB_UNAVAILABLE, PQerrorMessage(c->pg));
		return;
	}
	int fd = PQsocket(c->pg);
	c->read_ev = event_new(pool->base, fd, EV_READ | EV_PERSIST, conn_on_io, c);
	c->write_ev = event_new(pool->base, fd, EV_WRITE | EV_PERSIST, conn_on_io, c);
	if (!c->read_ev || !c->write_ev)
		abort();
	event_add(c->read_ev, NULL);
	c->state = CONN_IDLE;
	c->failures = 0;
	if (c->connected_before && !c->recycled)
		pool->reconnects++;
	c->connected_before = true;
	c->recycled = false;
	if (pool->failing)
		log_db(LOG_INFO, "database connection established", c, NULL);
	pool->failing = false;
	pool_dispatch(pool);
}

static void
conn_on_connect(void *arg, PGconn *conn, const char *error)
{
	struct db_conn *c = arg;
	c->connecting = NULL;
	if (!conn) {
		conn_fail(c, DB_UNAVAILABLE, error);
		return;
	}
	c->pg = conn;
	conn_connected(c);
}

static void
conn_connect(struct db_conn *c)
{
	struct db_pool *pool = c->pool;
	/* Later keywords win over what the connection string says. */
	const char *const keys[] = { "dbname", "application_name",
		                     pool->cfg.unnamed ? NULL : "options", NULL };
	const char *const vals[] = { pool->conninfo, "policytrackd", pool->options, NULL };
	c->state = CONN_CONNECTING;
	c->connecting =
	    pg_connect_start(pool->base, keys, vals, CONNECT_TIMEOUT_MS, conn_on_connect, c);
}

/*
 * Which variant of its statement q runs on c, named into name: its place in
 * c->variants, or c->nvariants when it is still to be prepared; -1 when q's
 * statement has no variants, q's filters are to be planned for their values
 * (sql_statement.as_written) or c has no room for another (then it runs as
 * written).
 */
static int
conn_variant(const struct db_conn *c, const struct db_query *q, char *name, size_t size)
{
	if (q->stmt->nguards == 0 || (q->mask & q->stmt->as_written))
		return -1;
	int i = 0, theirs = 0;
	for (; i < c->nvariants; i++) {
		if (c->variants[i].index != q->stmt->index)
			continue;
		if (c->variants[i].mask == q->mask)
			break;
		theirs++;
	}
	if (i == c->nvariants && (i == VARIANTS_MAX || theirs == VARIANTS_PER_STATEMENT))
		return -1;
	snprintf(name, size, "%s~%llx", q->stmt->name, (unsigned long long)q->mask);
	return i;
}

/*
 * Sends q on c, behind what c has in flight: the plan mode's switch (with a
 * Sync of its own: a SET is undone with its transaction, and the query's may
 * fail), the statement's preparation unless c has it, the statement, a Sync.
 * What they make on the session is noted at once, for the queries sent
 * behind; undo_failed_setup takes back what failed. On a send failure the
 * connection is failed and false returned; q is left to the caller.
 */
static bool
conn_send(struct db_conn *c, struct db_query *q)
{
	const char *const *values = (const char *const *)q->values;
	const struct sql_statement *st = q->stmt;
	bool unnamed = c->pool->cfg.unnamed;
	char variant_name[128];
	int variant = unnamed ? -1 : conn_variant(c, q, variant_name, sizeof(variant_name));
	bool prepared = variant >= 0 ? variant < c->nvariants : c->stmt_prepared[st->index];
	int part = 0;
	bool sent = true;
	q->nsyncs = 1;
	q->prepare_part = -1;
	q->plan_parts = 0;
	q->prepared_variant = false;
	if (!unnamed && c->generic != (variant >= 0)) {
		const char *const *sets = c->generic ? generic_off : generic_on;
		sent = PQsendQueryParams(c->pg, sets[0], 0, NULL, NULL, NULL, NULL, 0) &&
		       PQsendQueryParams(c->pg, sets[1], 0, NULL, NULL, NULL, NULL, 0) &&
		       PQpipelineSync(c->pg);
		c->generic = !c->generic;
		q->plan_parts = part = 2;
		q->nsyncs = 2;
	}
	if (sent && !unnamed && !prepared) {
		q->prepare_part = part++;
		if (variant >= 0) {
			char *text = sql_variant_text(st, q->mask);
			sent = PQsendPrepare(c->pg, variant_name, text, st->nparams, st->types);
			free(text);
			c->variants[c->nvariants++] =
			    (struct conn_variant){ .index = st->index, .mask = q->mask };
			q->prepared_variant = true;
		} else {
			sent = PQsendPrepare(c->pg, st->name, st->text, st->nparams, NULL);
			c->stmt_prepared[st->index] = true;
		}
	}
	const char **with = NULL;
	int *lengths = NULL, *formats = NULL;
	if (q->binary_param >= 0) {
		with = xcalloc((size_t)st->nparams, sizeof(*with));
		lengths = xcalloc((size_t)st->nparams, sizeof(*lengths));
		formats = xcalloc((size_t)st->nparams, sizeof(*formats));
		for (int i = 0; i < st->nparams; i++)
			with[i] = values[i];
		with[q->binary_param] = q->binary_data;
		lengths[q->binary_param] = (int)q->binary_len;
		formats[q->binary_param] = 1;
		values = with;
	}
	if (sent && unnamed)
		sent =
		    PQsendQueryParams(c->pg, c->pool->settings_sql, 0, NULL, NULL, NULL, NULL, 0) &&
		    PQsendQueryParams(c->pg, st->text, st->nparams, NULL, values, lengths, formats,
		                      q->binary_results);
	else if (sent)
		sent =
		    PQsendQueryPrepared(c->pg, variant >= 0 ? variant_name : st->name, st->nparams,
		                        values, lengths, formats, q->binary_results);
	sent = sent && PQpipelineSync(c->pg);
	q->ncommands = part + (unnamed ? 2 : 1);
	free(with);
	free(lengths);
	free(formats);
	if (sent && q->binary_param >= 0) {
		/* libpq has copied them into its output buffer. */
		free(q->binary_data);
		q->binary_data = NULL;
	}
	int flushed = sent ? PQflush(c->pg) : -1;
	if (flushed < 0) {
		conn_fail(c, DB_UNAVAILABLE, PQerrorMessage(c->pg));
		return false;
	}
	if (flushed == 1)
		event_add(c->write_ev, NULL);
	return true;
}

/*
 * Sends q on c. On failure the connection is failed and q is handed back
 * (false) unanswered, so that db_submit never calls back before it returns.
 */
static bool
conn_start_query(struct db_conn *c, struct db_query *q)
{
	if (!conn_send(c, q))
		return false;
	TAILQ_INSERT_TAIL(&c->inflight, q, link);
	if (c->ninflight++ == 0) {
		c->state = CONN_BUSY;
		c->head_ns = pt_monotonic_ns();
		arm_deadline(c);
	} else {
		conn_arm_wait(c);
	}
	return true;
}

/*
 * A busy connection q may wait on, behind what it runs (PIPELINE_DEPTH): the
 * one with the least in flight, never the bulky one (kept for large answers)
 * nor one to be recycled, and only behind quick statements; NULL when none.
 */
static struct db_conn *
pool_pipeline_conn(struct db_pool *pool, const struct db_query *q)
{
	/* Behind a pooler (unnamed mode) one query at a time, as poolers expect. */
	if (pool->cfg.unnamed || !q->read_only || !quick(pool, q))
		return NULL;
	struct db_conn *best = NULL;
	for (int i = 0; i < pool->cfg.size; i++) {
		struct db_conn *c = &pool->conns[i];
		if (c->state != CONN_BUSY || c->retire || c == pool->bulky ||
		    c->ninflight >= PIPELINE_DEPTH || (best && best->ninflight <= c->ninflight))
			continue;
		/* Nor behind a statement's first run on c: preparing and planning it is slow. */
		bool behind_quick = true;
		struct db_query *p;
		TAILQ_FOREACH(p, &c->inflight, link)
		{
			behind_quick = behind_quick && quick(pool, p) && p->prepare_part < 0 &&
			               p->plan_parts == 0;
		}
		if (behind_quick)
			best = c;
	}
	return best;
}

/*
 * An idle connection for stmt: the bulky one for a statement that gave a
 * large answer, any other first for the rest (so that the bulky one is free
 * for those more often); NULL when none is idle.
 */
static struct db_conn *
pool_idle_conn(struct db_pool *pool, const struct sql_statement *stmt)
{
	struct db_conn *bulky = pool->bulky;
	if (bulky && bulky->state == CONN_IDLE && pool->stmt_bulky[stmt->index])
		return bulky;
	for (int i = 0; i < pool->cfg.size; i++)
		if (pool->conns[i].state == CONN_IDLE && &pool->conns[i] != bulky)
			return &pool->conns[i];
	return bulky && bulky->state == CONN_IDLE ? bulky : NULL;
}

static void
arm_queue_timer(struct db_pool *pool)
{
	struct db_query *head = TAILQ_FIRST(&pool->queue);
	if (!head) {
		event_del(pool->queue_timer);
		return;
	}
	uint64_t now = pt_monotonic_ns();
	uint64_t wait_ns = head->deadline_ns > now ? head->deadline_ns - now : 0;
	struct timeval tv = { .tv_sec = (time_t)(wait_ns / 1000000000u),
		              .tv_usec = (suseconds_t)((wait_ns % 1000000000u) / 1000u) };
	event_add(pool->queue_timer, &tv);
}

static void
pool_dispatch(struct db_pool *pool)
{
	struct db_conn *c;
	struct db_query *q;
	while ((q = TAILQ_FIRST(&pool->queue)) != NULL &&
	       ((c = pool_idle_conn(pool, q->stmt)) != NULL ||
	        (c = pool_pipeline_conn(pool, q)) != NULL)) {
		TAILQ_REMOVE(&pool->queue, q, link);
		pool->queued--;
		q->queued = false;
		if (!conn_start_query(c, q))
			query_finish(q, DB_UNAVAILABLE, NULL, "the database connection failed");
	}
	arm_queue_timer(pool);
}

static void
pool_on_queue_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct db_pool *pool = arg;
	uint64_t now = pt_monotonic_ns();
	struct db_query *q;
	/* The queue is FIFO with one timeout, so expired queries are all at its head. */
	while ((q = TAILQ_FIRST(&pool->queue)) != NULL && q->deadline_ns <= now) {
		TAILQ_REMOVE(&pool->queue, q, link);
		pool->queued--;
		q->queued = false;
		query_finish(q, DB_TIMEOUT, NULL, "no database connection became free in time");
	}
	arm_queue_timer(pool);
}

/*
 * libpq lets a later "options" keyword replace the connection string's own, so
 * the statement timeout and the time zone are appended to whatever options the
 * operator gave (the last -c of a setting wins). The TimeZone makes
 * current_date, a timestamptz's date and a day's end the configured zone's in
 * every statement, and timestamps in answers carry its offset.
 */
static char *
merged_options(const char *conninfo, int query_timeout_ms, const char *time_zone,
               const char *settings)
{
	const char *given = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, "options") == 0 && o->val && *o->val)
			given = o->val;
	char *merged =
	    xasprintf("%s%s-c statement_timeout=%d%s%s%s%s", given ? given : "", given ? " " : "",
	              query_timeout_ms, time_zone ? " -c TimeZone=" : "",
	              time_zone ? time_zone : "", settings ? " " : "", settings ? settings : "");
	PQconninfoFree(opts);
	return merged;
}

/* [text, text+len) with its single quotes doubled, for a literal (standard_conforming_strings). */
static char *
quote_doubled(const char *text, size_t len)
{
	char *out = xcalloc(2 * len + 1, 1), *o = out;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\'')
			*o++ = '\'';
		*o++ = text[i];
	}
	return out;
}

/* sql followed by one set_config(name, value, true) call; sql is freed. */
static char *
append_setting(char *sql, const char *name, size_t name_len, const char *value)
{
	char *n = quote_doubled(name, name_len), *v = quote_doubled(value, strlen(value));
	char *out =
	    xasprintf("%s%sset_config('%s', '%s', true)", sql, strchr(sql, '(') ? ", " : "", n, v);
	free(n);
	free(v);
	free(sql);
	return out;
}

/*
 * Unnamed mode: what merged_options puts in the startup packet, as one
 * statement of transaction-local set_config calls. settings is a list of
 * "-c name=value" words (values without spaces: numbers and names).
 */
static char *
settings_statement(int query_timeout_ms, const char *time_zone, const char *settings)
{
	char timeout[32];
	snprintf(timeout, sizeof(timeout), "%d", query_timeout_ms);
	char *sql = append_setting(xstrdup("SELECT "), "statement_timeout",
	                           strlen("statement_timeout"), timeout);
	if (time_zone)
		sql = append_setting(sql, "TimeZone", strlen("TimeZone"), time_zone);
	char *words = xstrdup(settings ? settings : "");
	char *save = NULL;
	for (char *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(w, '=');
		if (eq)
			sql = append_setting(sql, w, (size_t)(eq - w), eq + 1);
	}
	free(words);
	return sql;
}

struct db_pool *
db_pool_new(struct event_base *base, const struct db_pool_config *cfg)
{
	struct db_pool *pool = xcalloc(1, sizeof(*pool));
	pool->base = base;
	pool->cfg = *cfg;
	pool->conninfo = xstrdup(cfg->conninfo);
	pool->cfg.conninfo = pool->conninfo;
	pool->options =
	    merged_options(cfg->conninfo, cfg->query_timeout_ms, cfg->time_zone, cfg->settings);
	if (cfg->unnamed)
		pool->settings_sql =
		    settings_statement(cfg->query_timeout_ms, cfg->time_zone, cfg->settings);
	TAILQ_INIT(&pool->queue);
	pool->queue_timer = evtimer_new(base, pool_on_queue_timer, pool);
	pool->conns = xcalloc((size_t)cfg->size, sizeof(*pool->conns));
	pool->stmt_bulky = xcalloc(sql_statements_count + 1, sizeof(bool));
	pool->stmt_mean_us = xcalloc(sql_statements_count + 1, sizeof(uint32_t));
	for (int i = 0; i < cfg->size; i++) {
		struct db_conn *c = &pool->conns[i];
		c->pool = pool;
		c->index = i;
		c->state = CONN_DOWN;
		TAILQ_INIT(&c->inflight);
		c->timer = evtimer_new(base, conn_on_timer, c);
		c->wait_timer = evtimer_new(base, conn_on_wait_timer, c);
		if (!c->timer || !c->wait_timer)
			abort();
		c->stmt_prepared = xcalloc(sql_statements_count + 1, sizeof(bool));
		conn_connect(c);
	}
	return pool;
}

void
db_pool_free(struct db_pool *pool)
{
	if (!pool)
		return;
	struct db_query *q;
	while ((q = TAILQ_FIRST(&pool->queue)) != NULL) {
		TAILQ_REMOVE(&pool->queue, q, link);
		query_free(q);
	}
	for (int i = 0; i < pool->cfg.size; i++) {
		struct db_conn *c = &pool->conns[i];
		while ((q = TAILQ_FIRST(&c->inflight)) != NULL) {
			TAILQ_REMOVE(&c->inflight, q, link);
			query_free(q);
		}
		c->ninflight = 0;
		conn_close(c);
		event_free(c->timer);
		event_free(c->wait_timer);
		free(c->stmt_prepared);
	}
	event_free(pool->queue_timer);
	free(pool->conns);
	free(pool->stmt_bulky);
	free(pool->stmt_mean_us);
	free(pool->options);
	free(pool->settings_sql);
	free(pool->conninfo);
	free(pool);
}

struct db_query *
db_submit(struct db_pool *pool, const struct sql_statement *stmt, const char *const *values,
          db_done_fn done, void *arg, enum db_status *refusal)
{
	return db_submit_with(pool, stmt, values, NULL, done, arg, refusal);
}

struct db_query *
db_submit_with(struct db_pool *pool, const struct sql_statement *stmt, const char *const *values,
               const struct db_options *opts, db_done_fn done, void *arg, enum db_status *refusal)
{
	int nparams = stmt->nparams;
	int binary_param = opts ? opts->binary_param : -1;
	/* A caller's bug: no such parameter, or a length libpq cannot say. */
	if (binary_param >= nparams || (opts && opts->binary_len > INT_MAX))
		abort();
	if (pool->failing && !pool_has_live_connection(pool)) {
		if (opts)
			free(opts->binary_data);
		*refusal = DB_UNAVAILABLE;
		return NULL;
	}
	struct db_conn *c = pool_idle_conn(pool, stmt);
	if (!c && pool->queued >= pool->cfg.queue_size) {
		if (opts)
			free(opts->binary_data);
		*refusal = DB_OVERLOADED;
		return NULL;
	}
	struct db_query *q = xcalloc(1, sizeof(*q));
	q->pool = pool;
	q->stmt = stmt;
	q->nparams = nparams;
	q->values = xcalloc((size_t)(nparams > 0 ? nparams : 1), sizeof(char *));
	for (int i = 0; i < nparams; i++)
		q->values[i] = values[i] && i != binary_param ? xstrdup(values[i]) : NULL;
	q->binary_param = binary_param;
	if (binary_param >= 0) {
		q->binary_data = opts->binary_data;
		q->binary_len = opts->binary_len;
	}
	q->binary_results = opts && opts->binary_results;
	q->read_only = opts && opts->read_only;
	q->deadline_ns = pt_monotonic_ns() + (uint64_t)pool->cfg.acquire_timeout_ms * 1000000u;
	if (stmt->nguards > 0)
		q->mask = sql_variant_mask(stmt, values);
	q->done = done;
	q->arg = arg;
	if (!c && pool->queued == 0)
		c = pool_pipeline_conn(pool, q);
	if (c) {
		if (conn_start_query(c, q))
			return q;
		query_free(q);
		*refusal = DB_UNAVAILABLE;
		return NULL;
	}
	q->queued = true;
	TAILQ_INSERT_TAIL(&pool->queue, q, link);
	pool->queued++;
	if (pool->queued == 1)
		arm_queue_timer(pool);
	return q;
}

void
db_query_abandon(struct db_query *q)
{
	if (q->queued) {
		TAILQ_REMOVE(&q->pool->queue, q, link);
		q->pool->queued--;
		query_free(q);
		return;
	}
	q->abandoned = true; /* freed when its connection answers or fails */
}

void
db_pool_stats(const struct db_pool *pool, struct db_pool_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < pool->cfg.size; i++) {
		switch (pool->conns[i].state) {
		case CONN_BUSY:
			out->in_use++;
			out->pipelined += pool->conns[i].ninflight - 1;
			break;
		case CONN_IDLE:
			out->idle++;
			break;
		case CONN_CONNECTING:
			out->connecting++;
			break;
		case CONN_DOWN:
			out->down++;
			break;
		default:
			abort();
		}
	}
	out->waiting = pool->queued;
	out->reconnects = pool->reconnects;
	out->errors = pool->errors;
}

#include "core/log.h"

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <time.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum log_level min_level = LOG_INFO;
static const char *const level_names[] = { "debug", "info", "warn", "error" };

bool
log_level_parse(const char *name, enum log_level *out)
{
	for (size_t i = 0; i < PT_ARRAY_LEN(level_names); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return true;
		}
	}
	return false;
}

void
log_set_level(enum log_level level)
{
	min_level = level;
}

bool
log_enabled(enum log_level level)
{
	return level >= min_level;
}

#define BATCH_FLUSH_BYTES 65536

static struct {
	struct event *flush; /* NULL while not attached to a loop */
	bool scheduled;
	char *p;
	size_t len, cap;
} batch;

static void
write_line(const char *text, size_t n)
{
	/* One write per line (or batch) so concurrent writers never interleave within a line. */
	fwrite(text, 1, n, stderr);
	fflush(stderr);
}

static void
batch_flush(void)
{
	if (batch.len)
		write_line(batch.p, batch.len);
	batch.len = 0;
}

static void
on_batch_flush(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	batch.scheduled = false;
	batch_flush();
}

static void
batch_add(const char *text, size_t n)
{
	if (batch.len + n > batch.cap) {
		batch.cap = (batch.len + n) * 2;
		batch.p = xrealloc(batch.p, batch.cap);
	}
	memcpy(batch.p + batch.len, text, n);
	batch.len += n;
	if (batch.len >= BATCH_FLUSH_BYTES) {
		batch_flush();
	} else if (!batch.scheduled) {
		/* Runs after the callbacks of this loop iteration that are already active. */
		event_active(batch.flush, EV_TIMEOUT, 1);
		batch.scheduled = true;
	}
}

void
log_attach_loop(struct event_base *base)
{
	batch.flush = event_new(base, -1, 0, on_batch_flush, NULL);
	if (!batch.flush)
		abort();
}

void
log_detach_loop(void)
{
	batch_flush();
	if (batch.flush)
		event_free(batch.flush);
	batch.flush = NULL;
	batch.scheduled = false;
	free(batch.p);
	batch.p = NULL;
	batch.cap = 0;
}

void
log_emit(enum log_level level, const char *msg, cJSON *fields)
{
	if (!log_enabled(level)) {
		cJSON_Delete(fields);
		return;
	}
	batch_flush();
	char ts[40];
	pt_format_utc_now(ts, sizeof(ts));
	cJSON *line = cJSON_CreateObject();
	cJSON_AddStringToObject(line, "ts", ts);
	cJSON_AddStringToObject(line, "level", level_names[level]);
	cJSON_AddStringToObject(line, "msg", msg);
	if (fields) {
		/* Move the caller's fields after the fixed ones, keeping their order. */
		while (fields->child) {
			cJSON *item = cJSON_DetachItemViaPointer(fields, fields->child);
			cJSON_AddItemToObject(line, item->string, item);
		}
		cJSON_Delete(fields);
	}
	char *text = cJSON_PrintUnformatted(line);
	if (text) {
		size_t n = strlen(text);
		text[n] = '\n';
		write_line(text, n + 1);
		cJSON_free(text);
	}
	cJSON_Delete(line);
}

/* A line being built: on the stack unless a long path makes it grow. */
struct line {
	char *p;
	size_t len, cap;
	char stack[1024];
};

static void
line_add(struct line *l, const char *s, size_t n)
{
	if (l->len + n + 2 > l->cap) {
		size_t cap = (l->len + n + 2) * 2;
		char *p = xmalloc(cap);
		memcpy(p, l->p, l->len);
		if (l->p != l->stack)
			free(l->p);
		l->p = p;
		l->cap = cap;
	}
	memcpy(l->p + l->len, s, n);
	l->len += n;
}

static void
line_lit(struct line *l, const char *s)
{
	line_add(l, s, strlen(s));
}

/* A JSON string: quotes, backslashes and control bytes escaped, other bytes as they are. */
static void
line_str(struct line *l, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	line_add(l, "\"", 1);
	const char *run = s;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		line_add(l, run, (size_t)(s - run));
		char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
		if (c == '"' || c == '\\')
			line_add(l, (char[]){ '\\', (char)c }, 2);
		else
			line_add(l, esc, sizeof(esc));
		run = s + 1;
	}
	line_add(l, run, (size_t)(s - run));
	line_add(l, "\"", 1);
}

static void
line_u64(struct line *l, uint64_t v)
{
	char digits[24];
	size_t i = sizeof(digits);
	do {
		digits[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	line_add(l, digits + i, sizeof(digits) - i);
}

void
log_request(const struct log_access *a)
{
	if (!log_enabled(LOG_INFO))
		return;
	struct line l = { .cap = sizeof(l.stack) };
	l.p = l.stack;
	char ts[40];
	pt_format_utc_now(ts, sizeof(ts));
	line_lit(&l, "{\"ts\":");
	line_str(&l, ts);
	line_lit(&l, ",\"level\":\"info\",\"msg\":\"request\",\"request_id\":");
	line_str(&l, a->request_id);
	line_lit(&l, ",\"method\":");
	line_str(&l, a->method);
	line_lit(&l, ",\"path\":");
	line_str(&l, a->path);
	line_lit(&l, ",\"route\":");
	line_str(&l, a->route);
	line_lit(&l, ",\"status\":");
	line_u64(&l, (uint64_t)a->status);
	/* Milliseconds with six decimals, from integers. */
	char frac[8];
	snprintf(frac, sizeof(frac), ".%06u", (unsigned)(a->duration_ns % 1000000u));
	line_lit(&l, ",\"duration_ms\":");
	line_u64(&l, a->duration_ns / 1000000u);
	line_lit(&l, frac);
	line_lit(&l, ",\"user\":");
	if (a->user)
		line_str(&l, a->user);
	else
		line_lit(&l, "null");
	line_lit(&l, "}\n");
	if (batch.flush)
		batch_add(l.p, l.len);
	else
		write_line(l.p, l.len);
	if (l.p != l.stack)
		free(l.p);
}

void
log_msg(enum log_level level, const char *msg, const char *fmt, ...)
{
	if (!log_enabled(level))
		return;
	char detail[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	cJSON *fields = cJSON_CreateObject();
	cJSON_AddStringToObject(fields, "detail", detail);
	log_emit(level, msg, fields);
}

#define LIBEVENT_LINES_PER_SECOND 20

static void
libevent_log(int severity, const char *msg)
{
	static time_t window;
	static int lines, dropped;
	time_t now = time(NULL);
	if (now != window) {
		if (dropped)
			log_msg(LOG_WARN, "libevent messages dropped", "%d in the last second",
			        dropped);
		window = now;
		lines = dropped = 0;
	}
	if (++lines > LIBEVENT_LINES_PER_SECOND) {
		dropped++;
		return;
	}
	enum log_level level = severity == EVENT_LOG_DEBUG  ? LOG_DEBUG
	                       : severity == EVENT_LOG_MSG  ? LOG_INFO
	                       : severity == EVENT_LOG_WARN ? LOG_WARN
	                                                    : LOG_ERROR;
	log_msg(level, "libevent", "%s", msg);
}

void
log_capture_libevent(void)
{
	event_set_log_callback(libevent_log);
}

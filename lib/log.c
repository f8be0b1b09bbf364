#include "log.h"

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <time.h>
#include <stdarg.h>
#include <stdio.h>
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

void
log_emit(enum log_level level, const char *msg, cJSON *fields)
{
	if (!log_enabled(level)) {
		cJSON_Delete(fields);
		return;
	}
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
		/* One write per line so concurrent writers never interleave within a line. */
		size_t n = strlen(text);
		text[n] = '\n';
		fwrite(text, 1, n + 1, stderr);
		fflush(stderr);
		cJSON_free(text);
	}
	cJSON_Delete(line);
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

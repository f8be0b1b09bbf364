#include "core/config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"

enum option_type { OPT_STRING, OPT_INT };

struct option_def {
	const char *flag; /* without the leading "--" */
	const char *env;
	enum option_type type;
	size_t offset;
	const char *default_value;
	long min, max;
	const char *help;
};

#define STR(field) OPT_STRING, offsetof(struct config, field)
#define INT(field) OPT_INT, offsetof(struct config, field)

static const struct option_def options[] = {
	{ "listen", "POLICYTRACK_LISTEN", STR(listen), "127.0.0.1:8080", 0, 0,
	  "HOST:PORT to serve HTTP on (port 0 picks a free port)" },
	{ "ops-listen", "POLICYTRACK_OPS_LISTEN", STR(ops_listen), "", 0, 0,
	  "HOST:PORT of the operations port: /healthz, /readyz and /metrics only, with "
	  "connection slots of its own, so they answer while the client port is full (empty: "
	  "none; keep it off the public network)" },
	{ "database-url", "POLICYTRACK_DATABASE_URL", STR(database_url), "dbname=policytrack", 0, 0,
	  "libpq connection string or URI (the daemon's role, not the tables' owner)" },
	{ "log-level", "POLICYTRACK_LOG_LEVEL", STR(log_level), "info", 0, 0,
	  "debug, info, warn or error" },
	{ "time-zone", "POLICYTRACK_TIME_ZONE", STR(time_zone), "Asia/Shanghai", 0, 0,
	  "time zone (an IANA name) whose days deadlines are: due dates, overdue, on-time "
	  "reports, reminders; timestamps in answers carry its offset" },
	{ "pool-size", "POLICYTRACK_POOL_SIZE", INT(pool_size), "8", 1, 256,
	  "PostgreSQL connections in the pool" },
	{ "queue-size", "POLICYTRACK_QUEUE_SIZE", INT(queue_size), "256", 0, 100000,
	  "requests that may wait for a free connection before 503" },
	{ "acquire-timeout-ms", "POLICYTRACK_ACQUIRE_TIMEOUT_MS", INT(acquire_timeout_ms), "2000",
	  1, 600000, "longest wait for a free connection before 503" },
	{ "query-timeout-ms", "POLICYTRACK_QUERY_TIMEOUT_MS", INT(query_timeout_ms), "5000", 1,
	  600000, "statement_timeout of every query; the connection is dropped 1 s later" },
	{ "reconnect-max-ms", "POLICYTRACK_RECONNECT_MAX_MS", INT(reconnect_max_ms), "5000", 10,
	  600000, "cap of the exponential reconnect backoff" },
	{ "cache-max-age-ms", "POLICYTRACK_CACHE_MAX_AGE_MS", INT(cache_max_age_ms), "30000", 0,
	  86400000,
	  "longest a cached dashboard or token identity is reused (changes drop it at once; "
	  "0 turns caching off)" },
	{ "max-body-bytes", "POLICYTRACK_MAX_BODY_BYTES", INT(max_body_bytes), "1048576", 0,
	  1073741824, "largest request body accepted (413 above)" },
	{ "max-upload-bytes", "POLICYTRACK_MAX_UPLOAD_BYTES", INT(max_upload_bytes), "20971520", 1,
	  1073741824,
	  "largest evidence file accepted by POST /api/v1/tasks/{id}/files (413 above)" },
	{ "max-uploads", "POLICYTRACK_MAX_UPLOADS", INT(max_uploads), "8", 1, 10000,
	  "files larger than --max-body-bytes received at once (503 above); bounds their memory" },
	{ "max-header-bytes", "POLICYTRACK_MAX_HEADER_BYTES", INT(max_header_bytes), "16384", 256,
	  1048576, "largest request line plus headers accepted (431 above)" },
	{ "read-timeout-ms", "POLICYTRACK_READ_TIMEOUT_MS", INT(read_timeout_ms), "10000", 10,
	  3600000,
	  "a whole request must arrive within this time of its first byte (408); a file upload "
	  "gets it anew for each 64 KiB that arrives" },
	{ "first-byte-timeout-ms", "POLICYTRACK_FIRST_BYTE_TIMEOUT_MS", INT(first_byte_timeout_ms),
	  "10000", 10, 600000,
	  "a new connection that sends no request within this time is closed, so silent "
	  "connections do not hold client slots for --idle-timeout-s" },
	{ "idle-timeout-s", "POLICYTRACK_IDLE_TIMEOUT_S", INT(idle_timeout_s), "60", 1, 86400,
	  "keep-alive connections idle this long are closed" },
	{ "max-connections", "POLICYTRACK_MAX_CONNECTIONS", INT(max_connections), "1024", 1,
	  1000000, "open client connections above this get 503 and are closed" },
	{ "shutdown-timeout-ms", "POLICYTRACK_SHUTDOWN_TIMEOUT_MS", INT(shutdown_timeout_ms),
	  "10000", 0, 600000, "on SIGTERM, how long requests in flight may take to finish" },
	{ "session-ttl-s", "POLICYTRACK_SESSION_TTL_S", INT(session_ttl_s), "43200", 60, 2592000,
	  "lifetime of a token from POST /api/v1/sessions" },
	{ "hash-threads", "POLICYTRACK_HASH_THREADS", INT(hash_threads), "2", 1, 64,
	  "worker threads for argon2id password hashing (each hash holds 64 MiB)" },
	{ "webhook-timeout-ms", "POLICYTRACK_WEBHOOK_TIMEOUT_MS", INT(webhook_timeout_ms), "10000",
	  100, 120000,
	  "a webhook delivery attempt (connect, send, answer) failing after this long is retried" },
	{ "webhook-retry-base-ms", "POLICYTRACK_WEBHOOK_RETRY_BASE_MS", INT(webhook_retry_base_ms),
	  "30000", 10, 3600000,
	  "delay before a failed webhook delivery's first retry; it doubles each attempt (with "
	  "jitter, at most an hour)" },
	{ "webhook-max-attempts", "POLICYTRACK_WEBHOOK_MAX_ATTEMPTS", INT(webhook_max_attempts),
	  "8", 1, 50,
	  "a webhook delivery failing this many times is parked for an admin to replay" },
	{ "webhook-poll-ms", "POLICYTRACK_WEBHOOK_POLL_MS", INT(webhook_poll_ms), "1000", 10, 60000,
	  "how often due webhook deliveries are claimed from the outbox" },
	{ "webhook-max-in-flight", "POLICYTRACK_WEBHOOK_MAX_IN_FLIGHT", INT(webhook_max_in_flight),
	  "8", 0, 1000,
	  "webhook deliveries this daemon sends at once (0: it sends none; another daemon may)" },
	{ "webhook-reminder-time", "POLICYTRACK_WEBHOOK_REMINDER_TIME", STR(webhook_reminder_time),
	  "08:30", 0, 0,
	  "HH:MM of --time-zone at which the daily reminders are enqueued for endpoints "
	  "subscribed to reminder.daily" },
	{ "webhook-reminder-days", "POLICYTRACK_WEBHOOK_REMINDER_DAYS", INT(webhook_reminder_days),
	  "7", 0, 366,
	  "the daily reminders' due-soon window, in days (as GET /api/v1/reminders' days)" },
};

static bool
set_value(struct config *cfg, const struct option_def *o, const char *value, const char *source,
          char *err, size_t errlen)
{
	char *field = (char *)cfg + o->offset;
	if (o->type == OPT_STRING) {
		char **s = (char **)(void *)field;
		free(*s);
		*s = xstrdup(value);
		char host[256];
		int port;
		bool address = strcmp(o->flag, "listen") == 0 ||
		               (strcmp(o->flag, "ops-listen") == 0 && *value);
		if (address && !config_parse_listen(value, host, sizeof(host), &port)) {
			snprintf(err, errlen,
			         "--%s (%s): '%s' is not HOST:PORT with a port from 0 to 65535",
			         o->flag, source, value);
			return false;
		}
		if (strcmp(o->flag, "time-zone") == 0 && !config_time_zone_valid(value)) {
			snprintf(err, errlen,
			         "--%s (%s): '%s' is not a time zone: give an IANA name such as "
			         "Asia/Shanghai or UTC, spelt as the time zone database spells it",
			         o->flag, source, value);
			return false;
		}
		if (strcmp(o->flag, "webhook-reminder-time") == 0 &&
		    !(strlen(value) == 5 && value[0] >= '0' && value[0] <= '2' && value[1] >= '0' &&
		      value[1] <= '9' && (value[0] < '2' || value[1] <= '3') && value[2] == ':' &&
		      value[3] >= '0' && value[3] <= '5' && value[4] >= '0' && value[4] <= '9')) {
			snprintf(err, errlen,
			         "--%s (%s): '%s' is not a time HH:MM from 00:00 to 23:59", o->flag,
			         source, value);
			return false;
		}
		if (strcmp(o->flag, "log-level") == 0) {
			enum log_level level;
			if (!log_level_parse(value, &level)) {
				snprintf(err, errlen,
				         "--%s (%s): '%s' is not one of debug, info, warn, error",
				         o->flag, source, value);
				return false;
			}
		}
		return true;
	}
	int64_t v;
	if (!pt_parse_int64(value, o->min, o->max, &v)) {
		snprintf(err, errlen, "--%s (%s): '%s' is not a whole number from %ld to %ld",
		         o->flag, source, value, o->min, o->max);
		return false;
	}
	*(long *)(void *)field = (long)v;
	return true;
}

bool
config_parse_listen(const char *listen, char *host, size_t hostlen, int *port)
{
	const char *colon = strrchr(listen, ':');
	if (!colon || colon == listen)
		return false;
	const char *h = listen;
	size_t n = (size_t)(colon - listen);
	if (h[0] == '[') {
		if (n < 3 || h[n - 1] != ']')
			return false;
		h++;
		n -= 2;
	} else if (memchr(h, ':', n)) {
		return false; /* a bare IPv6 address needs brackets */
	}
	if (n == 0 || n >= hostlen)
		return false;
	int64_t v;
	if (!pt_parse_int64(colon + 1, 0, 65535, &v) || colon[1] == '-')
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	*port = (int)v;
	return true;
}

bool
config_time_zone_valid(const char *name)
{
	/*
	 * Letters, digits and _ + - in segments joined by '/': no dot, so no
	 * path outside the zone directory, and nothing libpq's options would
	 * split (a space) or PostgreSQL would read as a POSIX rule ("<+08>-8").
	 */
	size_t len = strlen(name);
	if (len == 0 || len > 64 || name[0] == '/' || name[len - 1] == '/' || strstr(name, "//"))
		return false;
	for (const char *c = name; *c; c++) {
		bool ok = (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		          (*c >= '0' && *c <= '9') || *c == '_' || *c == '+' || *c == '-' ||
		          *c == '/';
		if (!ok)
			return false;
	}
	const char *dir = getenv("TZDIR");
	if (!dir || !*dir)
		dir = "/usr/share/zoneinfo";
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return true; /* no zone files here: the server judges alone */
	char path[4096];
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return false;
	/* A zone file, not a directory (Asia) or one of the tables beside them. */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	char magic[4];
	bool zone = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	            read(fd, magic, sizeof(magic)) == (ssize_t)sizeof(magic) &&
	            memcmp(magic, "TZif", 4) == 0;
	close(fd);
	return zone;
}

static const struct option_def *
find_flag(const char *name, size_t len)
{
	for (size_t i = 0; i < PT_ARRAY_LEN(options); i++)
		if (strlen(options[i].flag) == len && strncmp(options[i].flag, name, len) == 0)
			return &options[i];
	return NULL;
}

static const char *
find_env(char **envp, const char *name)
{
	size_t len = strlen(name);
	for (char **e = envp; e && *e; e++)
		if (strncmp(*e, name, len) == 0 && (*e)[len] == '=')
			return *e + len + 1;
	return NULL;
}

bool
config_load(struct config *cfg, int argc, char **argv, char **envp, enum config_action *action,
            char *err, size_t errlen)
{
	memset(cfg, 0, sizeof(*cfg));
	*action = CONFIG_RUN;
	for (size_t i = 0; i < PT_ARRAY_LEN(options); i++)
		if (!set_value(cfg, &options[i], options[i].default_value, "default", err, errlen))
			return false;
	for (size_t i = 0; i < PT_ARRAY_LEN(options); i++) {
		const char *v = find_env(envp, options[i].env);
		if (v && !set_value(cfg, &options[i], v, options[i].env, err, errlen))
			return false;
	}
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			*action = CONFIG_HELP;
			return true;
		}
		if (strcmp(arg, "--version") == 0) {
			*action = CONFIG_VERSION;
			return true;
		}
		if (strcmp(arg, "--print-config-table") == 0) {
			*action = CONFIG_PRINT_TABLE;
			return true;
		}
		if (strcmp(arg, "--print-routes") == 0) {
			*action = CONFIG_PRINT_ROUTES;
			continue;
		}
		if (strncmp(arg, "--", 2) != 0) {
			snprintf(err, errlen, "unexpected argument '%s' (see --help)", arg);
			return false;
		}
		const char *name = arg + 2;
		const char *eq = strchr(name, '=');
		size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
		const struct option_def *o = find_flag(name, name_len);
		if (!o) {
			snprintf(err, errlen, "unknown option '--%.*s' (see --help)", (int)name_len,
			         name);
			return false;
		}
		const char *value = eq ? eq + 1 : NULL;
		if (!value) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "--%s needs a value", o->flag);
				return false;
			}
			value = argv[++i];
		}
		if (!set_value(cfg, o, value, "flag", err, errlen))
			return false;
	}
	return true;
}

void
config_free(struct config *cfg)
{
	for (size_t i = 0; i < PT_ARRAY_LEN(options); i++) {
		if (options[i].type == OPT_STRING) {
			char **s = (char **)(void *)((char *)cfg + options[i].offset);
			free(*s);
			*s = NULL;
		}
	}
}

void
config_print_help(FILE *out, const char *program)
{
	fprintf(out, "usage: %s [OPTION...]\n\nOptions (flag, environment variable, default):\n",
	        program);
	for (size_t i = 0; i < PT_ARRAY_LEN(options); i++) {
		const struct option_def *o = &options[i];
		fprintf(out, "  --%-22s %-32s [%s]\n      %s\n", o->flag, o->env, o->default_value,
		        o->help);
	}
	fprintf(out, "  --print-routes   print the routing table and exit\n"
	             "  --print-config-table  print these options as a Markdown table and exit\n"
	             "  --version        print the version and exit\n");
}

void
config_print_markdown(FILE *out)
{
	fprintf(out, "| flag | environment | default | meaning |\n| --- | --- | --- | --- |\n");
	for (size_t i = 0; i < PT_ARRAY_LEN(options); i++) {
		const struct option_def *o = &options[i];
		if (*o->default_value)
			fprintf(out, "| `--%s` | `%s` | `%s` | %s", o->flag, o->env,
			        o->default_value, o->help);
		else
			fprintf(out, "| `--%s` | `%s` | (none) | %s", o->flag, o->env, o->help);
		if (o->type == OPT_INT)
			fprintf(out, " (%ld–%ld)", o->min, o->max);
		fprintf(out, " |\n");
	}
}

#include "core/config.h"

#include <errno.h>
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
	bool reload; /* SIGHUP applies a new value; otherwise it waits for a restart */
};

#define STR(field) OPT_STRING, offsetof(struct config, field)
#define INT(field) OPT_INT, offsetof(struct config, field)

static const struct option_def options[] = {
	{ "config-file", "POLICYTRACK_CONFIG_FILE", STR(config_file), "", 0, 0,
	  "a file of POLICYTRACK_NAME=value lines (an environment file: # comments, optional "
	  "quotes) read after the defaults and before the environment; SIGHUP reads it again "
	  "(empty: none)",
	  false },
	{ "listen", "POLICYTRACK_LISTEN", STR(listen), "127.0.0.1:8080", 0, 0,
	  "HOST:PORT to serve HTTP on (port 0 picks a free port)", false },
	{ "ops-listen", "POLICYTRACK_OPS_LISTEN", STR(ops_listen), "", 0, 0,
	  "HOST:PORT of the operations port: /healthz, /readyz and /metrics only, with "
	  "connection slots of its own, so they answer while the client port is full (empty: "
	  "none; keep it off the public network)",
	  false },
	{ "database-url", "POLICYTRACK_DATABASE_URL", STR(database_url), "dbname=policytrack", 0, 0,
	  "libpq connection string or URI (the daemon's role, not the tables' owner)", false },
	{ "feed-database-url", "POLICYTRACK_FEED_DATABASE_URL", STR(feed_database_url), "", 0, 0,
	  "libpq connection string of the change feed's one LISTEN connection (empty: "
	  "--database-url); LISTEN needs a session of its own, so behind a pooler in "
	  "transaction mode give the primary's own address here",
	  false },
	{ "replica-url", "POLICYTRACK_REPLICA_URL", STR(replica_url), "", 0, 0,
	  "libpq connection string of the streaming replicas for lists, event history and "
	  "exports (empty: none); several are listed as libpq lists hosts (host=a,b port=p,q), "
	  "each then a replica with a pool of its own; such a read goes to one that has "
	  "replayed every commit acknowledged before the read arrived (taken in turn), else to "
	  "the primary, so every caller reads its own writes",
	  false },
	{ "replica-max-lag-ms", "POLICYTRACK_REPLICA_MAX_LAG_MS", INT(replica_max_lag_ms), "2000",
	  0, 600000,
	  "a replica further behind the primary than this (measured each second) gets no reads "
	  "until it catches up: they go to the primary without waiting for it",
	  false },
	{ "statement-mode", "POLICYTRACK_STATEMENT_MODE", STR(statement_mode), "prepared", 0, 0,
	  "prepared: each connection prepares a statement once by name and keeps its settings "
	  "for the session; unnamed: every request parses its statement anew and carries its "
	  "settings in its own transaction, which is what a pooler in transaction mode "
	  "(pgbouncer pool_mode=transaction) needs",
	  false },
	{ "log-level", "POLICYTRACK_LOG_LEVEL", STR(log_level), "info", 0, 0,
	  "debug, info, warn or error", true },
	{ "time-zone", "POLICYTRACK_TIME_ZONE", STR(time_zone), "Asia/Shanghai", 0, 0,
	  "time zone (an IANA name) whose days deadlines are: due dates, overdue, on-time "
	  "reports, reminders; timestamps in answers carry its offset",
	  false },
	{ "pool-size", "POLICYTRACK_POOL_SIZE", INT(pool_size), "8", 1, 256,
	  "PostgreSQL connections in the pool", false },
	{ "queue-size", "POLICYTRACK_QUEUE_SIZE", INT(queue_size), "256", 0, 100000,
	  "requests that may wait for a free connection before 503", false },
	{ "acquire-timeout-ms", "POLICYTRACK_ACQUIRE_TIMEOUT_MS", INT(acquire_timeout_ms), "2000",
	  1, 600000, "longest wait for a free connection before 503", false },
	{ "query-timeout-ms", "POLICYTRACK_QUERY_TIMEOUT_MS", INT(query_timeout_ms), "5000", 1,
	  600000, "statement_timeout of every query; the connection is dropped 1 s later", false },
	{ "reconnect-max-ms", "POLICYTRACK_RECONNECT_MAX_MS", INT(reconnect_max_ms), "5000", 10,
	  600000, "cap of the exponential reconnect backoff", false },
	{ "cache-max-age-ms", "POLICYTRACK_CACHE_MAX_AGE_MS", INT(cache_max_age_ms), "30000", 0,
	  86400000,
	  "longest a cached dashboard or token identity is reused (changes drop it at once; "
	  "0 turns caching off)",
	  false },
	{ "dashboard-cache", "POLICYTRACK_DASHBOARD_CACHE", INT(dashboard_cache), "1", 0, 1,
	  "1: dashboard answers are kept as --cache-max-age-ms says; 0: every dashboard is "
	  "computed, while token identities are still kept (to measure a dashboard's own cost)",
	  false },
	{ "max-body-bytes", "POLICYTRACK_MAX_BODY_BYTES", INT(max_body_bytes), "1048576", 0,
	  1073741824, "largest request body accepted (413 above)", false },
	{ "max-upload-bytes", "POLICYTRACK_MAX_UPLOAD_BYTES", INT(max_upload_bytes), "20971520", 1,
	  1073741824, "largest evidence file accepted by POST /api/v1/tasks/{id}/files (413 above)",
	  false },
	{ "max-uploads", "POLICYTRACK_MAX_UPLOADS", INT(max_uploads), "8", 1, 10000,
	  "files larger than --max-body-bytes received at once (503 above); bounds their memory",
	  false },
	{ "max-header-bytes", "POLICYTRACK_MAX_HEADER_BYTES", INT(max_header_bytes), "16384", 256,
	  1048576, "largest request line plus headers accepted (431 above)", false },
	{ "read-timeout-ms", "POLICYTRACK_READ_TIMEOUT_MS", INT(read_timeout_ms), "10000", 10,
	  3600000,
	  "a whole request must arrive within this time of its first byte (408); a file upload "
	  "gets it anew for each 64 KiB that arrives",
	  false },
	{ "first-byte-timeout-ms", "POLICYTRACK_FIRST_BYTE_TIMEOUT_MS", INT(first_byte_timeout_ms),
	  "10000", 10, 600000,
	  "a new connection that sends no request within this time is closed, so silent "
	  "connections do not hold client slots for --idle-timeout-s",
	  false },
	{ "idle-timeout-s", "POLICYTRACK_IDLE_TIMEOUT_S", INT(idle_timeout_s), "60", 1, 86400,
	  "keep-alive connections idle this long are closed", false },
	{ "max-connections", "POLICYTRACK_MAX_CONNECTIONS", INT(max_connections), "1024", 1,
	  1000000, "open client connections above this get 503 and are closed", false },
	{ "shutdown-timeout-ms", "POLICYTRACK_SHUTDOWN_TIMEOUT_MS", INT(shutdown_timeout_ms),
	  "10000", 0, 600000, "on SIGTERM, how long requests in flight may take to finish", false },
	{ "session-ttl-s", "POLICYTRACK_SESSION_TTL_S", INT(session_ttl_s), "43200", 60, 2592000,
	  "lifetime of a token from POST /api/v1/sessions", true },
	{ "password-min-length", "POLICYTRACK_PASSWORD_MIN_LENGTH", INT(password_min_length), "12",
	  8, 128, "a password set by anyone (API, console, CLI) has at least this many characters",
	  false },
	{ "password-min-classes", "POLICYTRACK_PASSWORD_MIN_CLASSES", INT(password_min_classes),
	  "3", 1, 4,
	  "a password mixes at least this many of: lower-case letters, upper-case letters, "
	  "digits, other characters",
	  false },
	{ "password-max-age-days", "POLICYTRACK_PASSWORD_MAX_AGE_DAYS", INT(password_max_age_days),
	  "90", 0, 3650,
	  "a password older than this signs in only to change it (0: passwords do not expire)",
	  false },
	{ "password-history", "POLICYTRACK_PASSWORD_HISTORY", INT(password_history), "5", 0, 24,
	  "a new password may not be any of the user's last N (the current one included; 0: "
	  "no check)",
	  false },
	{ "session-idle-s", "POLICYTRACK_SESSION_IDLE_S", INT(session_idle_s), "1800", 0, 86400,
	  "a sign-in session unused this long ends, whatever --session-ttl-s says (0: never "
	  "idles out)",
	  false },
	{ "log-retention-days", "POLICYTRACK_LOG_RETENTION_DAYS", INT(log_retention_days), "180",
	  180, 36500,
	  "sign-in records are kept at least this long (the Cybersecurity Law asks six months: "
	  "no shorter setting is accepted); the audit trail is never deleted",
	  false },
	{ "classification-max", "POLICYTRACK_CLASSIFICATION_MAX", STR(classification_max),
	  "internal", 0, 0,
	  "the highest 密级 a document may carry here: public (公开) or internal (内部); this "
	  "service is for non-classified work only and accepts no higher setting",
	  false },
	{ "hash-threads", "POLICYTRACK_HASH_THREADS", INT(hash_threads), "2", 1, 64,
	  "helper processes for argon2id password hashing (each hash holds 64 MiB)", false },
	{ "escalation-interval-s", "POLICYTRACK_ESCALATION_INTERVAL_S", INT(escalation_interval_s),
	  "600", 0, 86400,
	  "seconds between runs of the escalation ladder (催办: records the levels tasks and work "
	  "items reached; several daemons may run it); 0 turns the daemon's runs off",
	  false },
	{ "webhook-timeout-ms", "POLICYTRACK_WEBHOOK_TIMEOUT_MS", INT(webhook_timeout_ms), "10000",
	  100, 120000,
	  "a webhook delivery attempt (connect, send, answer) failing after this long is retried",
	  false },
	{ "webhook-retry-base-ms", "POLICYTRACK_WEBHOOK_RETRY_BASE_MS", INT(webhook_retry_base_ms),
	  "30000", 10, 3600000,
	  "delay before a failed webhook delivery's first retry; it doubles each attempt (with "
	  "jitter, at most an hour)",
	  false },
	{ "webhook-max-attempts", "POLICYTRACK_WEBHOOK_MAX_ATTEMPTS", INT(webhook_max_attempts),
	  "8", 1, 50, "a webhook delivery failing this many times is parked for an admin to replay",
	  false },
	{ "webhook-poll-ms", "POLICYTRACK_WEBHOOK_POLL_MS", INT(webhook_poll_ms), "1000", 10, 60000,
	  "how often due webhook deliveries are claimed from the outbox", false },
	{ "webhook-max-in-flight", "POLICYTRACK_WEBHOOK_MAX_IN_FLIGHT", INT(webhook_max_in_flight),
	  "8", 0, 1000,
	  "webhook deliveries this daemon sends at once (0: it sends none; another daemon may)",
	  false },
	{ "webhook-reminder-time", "POLICYTRACK_WEBHOOK_REMINDER_TIME", STR(webhook_reminder_time),
	  "08:30", 0, 0,
	  "HH:MM of --time-zone at which the daily reminders are enqueued for endpoints "
	  "subscribed to reminder.daily",
	  false },
	{ "webhook-reminder-days", "POLICYTRACK_WEBHOOK_REMINDER_DAYS", INT(webhook_reminder_days),
	  "7", 0, 366,
	  "the daily reminders' due-soon window, in days (as GET /api/v1/reminders' days)", false },
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
		if (strcmp(o->flag, "classification-max") == 0 && strcmp(value, "public") != 0 &&
		    strcmp(value, "internal") != 0) {
			snprintf(
			    err, errlen,
			    "--%s (%s): '%s' is refused: this service is for non-classified work "
			    "only, so the highest level is public (公开) or internal (内部)",
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
		if (strcmp(o->flag, "statement-mode") == 0 && strcmp(value, "prepared") != 0 &&
		    strcmp(value, "unnamed") != 0) {
			snprintf(err, errlen, "--%s (%s): '%s' is not one of prepared, unnamed",
			         o->flag, source, value);
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
	if (strcmp(o->flag, "log-retention-days") == 0 &&
	    pt_parse_int64(value, 0, o->min - 1, &v)) {
		snprintf(err, errlen,
		         "--%s (%s): %s days is refused: logs are kept at least six months "
		         "(网络安全法 §21), so give %ld or more",
		         o->flag, source, value, o->min);
		return false;
	}
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

static const struct option_def *
find_env_name(const char *name, size_t len)
{
	for (size_t i = 0; i < PT_ARRAY_LEN(options); i++)
		if (strlen(options[i].env) == len && strncmp(options[i].env, name, len) == 0)
			return &options[i];
	return NULL;
}

/*
 * The configuration file: the syntax of an environment file (systemd's
 * EnvironmentFile, /etc/default) so one file serves either way. A line is
 * blank, a # comment, or NAME=value with value optionally in "" or ''. Names
 * are the options' environment variables; an unknown one is an error, so a
 * misspelt setting does not silently keep its default.
 */
static bool
load_file(struct config *cfg, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "--config-file: cannot read %s: %s", path, strerror(errno));
		return false;
	}
	char line[8192], source[300];
	bool ok = true;
	for (int n = 1; ok && fgets(line, sizeof(line), f); n++) {
		size_t len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			snprintf(err, errlen, "%s:%d: line longer than %zu bytes", path, n,
			         sizeof(line) - 2);
			ok = false;
			break;
		}
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
		               line[len - 1] == ' ' || line[len - 1] == '\t'))
			line[--len] = '\0';
		char *p = line + strspn(line, " \t");
		if (!*p || *p == '#')
			continue;
		char *eq = strchr(p, '=');
		size_t name_len = eq ? (size_t)(eq - p) : strlen(p);
		const struct option_def *o = eq ? find_env_name(p, name_len) : NULL;
		if (!o || o->offset == offsetof(struct config, config_file)) {
			snprintf(err, errlen,
			         "%s:%d: '%.*s' is not a setting (POLICYTRACK_NAME=value; "
			         "see --help)",
			         path, n, (int)(name_len > 64 ? 64 : name_len), p);
			ok = false;
			break;
		}
		char *value = eq + 1;
		size_t vlen = strlen(value);
		if (vlen >= 2 && (value[0] == '"' || value[0] == '\'') &&
		    value[vlen - 1] == value[0]) {
			value[vlen - 1] = '\0';
			value++;
		}
		snprintf(source, sizeof(source), "%s:%d", path, n);
		ok = set_value(cfg, o, value, source, err, errlen);
	}
	if (ok && ferror(f)) {
		snprintf(err, errlen, "--config-file: cannot read %s", path);
		ok = false;
	}
	fclose(f);
	return ok;
}

/*
 * The file named by --config-file (the last one on the command line), else by
 * the environment. NULL for none. *info is set when a flag asks only for
 * information (--help, --version, ...): the file is then not needed.
 */
static const char *
config_file_named(int argc, char **argv, char **envp, bool *info)
{
	const char *path = find_env(envp, "POLICYTRACK_CONFIG_FILE");
	*info = false;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0 ||
		    strcmp(arg, "--version") == 0 || strcmp(arg, "--print-config-table") == 0)
			*info = true;
		else if (strncmp(arg, "--config-file=", 14) == 0)
			path = arg + 14;
		else if (strcmp(arg, "--config-file") == 0 && i + 1 < argc)
			path = argv[++i];
	}
	return path && *path ? path : NULL;
}

/*
 * Marks the options argv gives as flags. Flags win over the environment, so
 * a variable a flag overrides is not read at all: a bad value left in the
 * environment does not stop a daemon started with the right flag.
 */
static void
mark_flagged(int argc, char **argv, bool *flagged)
{
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) != 0)
			continue;
		const char *name = argv[i] + 2;
		const char *eq = strchr(name, '=');
		const struct option_def *o =
		    find_flag(name, eq ? (size_t)(eq - name) : strlen(name));
		if (!o)
			continue;
		flagged[o - options] = true;
		if (!eq)
			i++; /* its value */
	}
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
	bool info;
	const char *file = config_file_named(argc, argv, envp, &info);
	if (file && !info && !load_file(cfg, file, err, errlen))
		return false;
	bool flagged[PT_ARRAY_LEN(options)] = { false };
	mark_flagged(argc, argv, flagged);
	for (size_t i = 0; i < PT_ARRAY_LEN(options); i++) {
		const char *v = flagged[i] ? NULL : find_env(envp, options[i].env);
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
config_copy(struct config *dst, const struct config *src)
{
	*dst = *src;
	for (size_t i = 0; i < PT_ARRAY_LEN(options); i++) {
		if (options[i].type == OPT_STRING) {
			char **s = (char **)(void *)((char *)dst + options[i].offset);
			*s = xstrdup(*s);
		}
	}
}

static bool
same_value(const struct option_def *o, const struct config *a, const struct config *b)
{
	const char *fa = (const char *)a + o->offset, *fb = (const char *)b + o->offset;
	if (o->type == OPT_STRING)
		return strcmp(*(char *const *)(const void *)fa, *(char *const *)(const void *)fb) ==
		       0;
	return *(const long *)(const void *)fa == *(const long *)(const void *)fb;
}

static void
take_value(const struct option_def *o, struct config *dst, const struct config *src)
{
	char *fd = (char *)dst + o->offset;
	const char *fs = (const char *)src + o->offset;
	if (o->type == OPT_STRING) {
		char **d = (char **)(void *)fd;
		free(*d);
		*d = xstrdup(*(char *const *)(const void *)fs);
	} else {
		*(long *)(void *)fd = *(const long *)(const void *)fs;
	}
}

void
config_reload(struct config *running, struct config *loaded, const struct config *fresh,
              config_change_fn note, void *arg)
{
	for (size_t i = 0; i < PT_ARRAY_LEN(options); i++) {
		const struct option_def *o = &options[i];
		if (same_value(o, loaded, fresh))
			continue;
		if (o->reload) {
			take_value(o, running, fresh);
			take_value(o, loaded, fresh);
		}
		note(o->flag, o->reload, arg);
	}
}

void
config_print_help(FILE *out, const char *program)
{
	fprintf(out, "usage: %s [OPTION...]\n\nOptions (flag, environment variable, default):\n",
	        program);
	for (size_t i = 0; i < PT_ARRAY_LEN(options); i++) {
		const struct option_def *o = &options[i];
		fprintf(out, "  --%-22s %-32s [%s]\n      %s%s\n", o->flag, o->env,
		        o->default_value, o->help, o->reload ? " (SIGHUP reloads it)" : "");
	}
	fprintf(out,
	        "  --print-routes   print the routing table and exit\n"
	        "  --print-config-table  print these options as a Markdown table and exit\n"
	        "  --version        print the version and exit\n"
	        "  --help, -h       print this and exit\n\n"
	        "A flag wins over the environment, which wins over --config-file. SIGHUP\n"
	        "reads them again and applies the settings marked so; others need a restart.\n");
}

void
config_print_markdown(FILE *out)
{
	fprintf(out, "| flag | environment | default | meaning | SIGHUP |\n"
	             "| --- | --- | --- | --- | --- |\n");
	for (size_t i = 0; i < PT_ARRAY_LEN(options); i++) {
		const struct option_def *o = &options[i];
		if (*o->default_value)
			fprintf(out, "| `--%s` | `%s` | `%s` | %s", o->flag, o->env,
			        o->default_value, o->help);
		else
			fprintf(out, "| `--%s` | `%s` | (none) | %s", o->flag, o->env, o->help);
		if (o->type == OPT_INT)
			fprintf(out, " (%ld–%ld)", o->min, o->max);
		fprintf(out, " | %s |\n", o->reload ? "reloads" : "restart");
	}
}

/*
 * Daemon configuration: one declarative table (config.c) read by one loader.
 * Each option has a flag, a POLICYTRACK_* environment variable, a default and a
 * range. Precedence: flag over environment over the --config-file over default.
 */
#ifndef PT_CONFIG_H
#define PT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/util.h"

struct config {
	char *config_file; /* "": none */
	char *listen;
	char *ops_listen; /* "": no operations port */
	char *database_url;
	char *feed_database_url; /* "": database_url */
	char *statement_mode;    /* "prepared" or "unnamed" */
	char *replica_url;       /* "": no read replica; several hosts: several replicas */
	long replica_max_lag_ms;
	char *log_level;
	char *time_zone;
	long pool_size;
	long queue_size;
	long acquire_timeout_ms;
	long query_timeout_ms;
	long reconnect_max_ms;
	long cache_max_age_ms;
	long dashboard_cache; /* 0: dashboard answers are never kept, identities still are */
	long max_body_bytes;
	long max_upload_bytes;
	long max_uploads;
	long max_header_bytes;
	long read_timeout_ms;
	long first_byte_timeout_ms;
	long idle_timeout_s;
	long max_connections;
	long shutdown_timeout_ms;
	long session_ttl_s;
	long hash_threads;
	/* The deployment norms (docs/security.md, "Deployment norms"). */
	long password_min_length;
	long password_min_classes;
	long password_max_age_days;
	long password_history;
	long session_idle_s;
	long log_retention_days;
	char *classification_max; /* "public" or "internal" */
	long escalation_interval_s;
	long webhook_timeout_ms;
	long webhook_retry_base_ms;
	long webhook_max_attempts;
	long webhook_poll_ms;
	long webhook_max_in_flight;
	char *webhook_reminder_time; /* "HH:MM", the time zone's */
	long webhook_reminder_days;
};

enum config_action {
	CONFIG_RUN,
	CONFIG_HELP,
	CONFIG_VERSION,
	CONFIG_PRINT_ROUTES,
	CONFIG_PRINT_TABLE
};

/*
 * Fills cfg from defaults, then envp (NULL-terminated "NAME=value"), then argv.
 * On error returns false with a message naming the flag in err.
 */
bool config_load(struct config *cfg, int argc, char **argv, char **envp, enum config_action *action,
                 char *err, size_t errlen) PT_WARN_UNUSED;
void config_free(struct config *cfg);

/* dst becomes a copy of src with strings of its own (config_free both). */
void config_copy(struct config *dst, const struct config *src);

/* Told, for each option whose value a reload changed, whether it was applied. */
typedef void (*config_change_fn)(const char *flag, bool applied, void *arg);

/*
 * SIGHUP: compares fresh (config_load again) with loaded (what the last load
 * said). An option marked reloadable in the table takes its new value in
 * running and loaded; any other keeps its value until a restart, and loaded
 * keeps the old one so the next reload says so again. note is told each
 * change; values are never passed on (the database URL may hold a password).
 */
void config_reload(struct config *running, struct config *loaded, const struct config *fresh,
                   config_change_fn note, void *arg);

/*
 * Splits "HOST:PORT" (or "[V6]:PORT") into host and port. False when it is not
 * of that form or the port is not 0-65535.
 */
bool config_parse_listen(const char *listen, char *host, size_t hostlen, int *port) PT_WARN_UNUSED;

/*
 * Whether name is a time zone the daemon may apply: an IANA name (Asia/Shanghai,
 * UTC) spelt as the time zone database spells it, which must be a zone file in
 * $TZDIR or /usr/share/zoneinfo when that directory exists. PostgreSQL on
 * Debian reads the same files (--with-system-tzdata); the server still judges
 * the name on every connection.
 */
bool config_time_zone_valid(const char *name) PT_WARN_UNUSED;

/* Writes the option table as help text. */
void config_print_help(FILE *out, const char *program);

/* Writes the option table as a Markdown table (for the README). */
void config_print_markdown(FILE *out);

#endif

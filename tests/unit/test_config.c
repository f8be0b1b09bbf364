#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "tap.h"

static void
note(const char *flag, bool applied, void *arg)
{
	char *seen = arg;
	strcat(seen, applied ? "+" : "-");
	strcat(seen, flag);
	strcat(seen, " ");
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

static bool
load(struct config *cfg, char **argv, char **envp, enum config_action *action, char *err)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	return config_load(cfg, argc, argv, envp, action, err, 256);
}

int
main(void)
{
	struct config cfg;
	enum config_action action;
	char err[256];

	char *argv0[] = { "policytrackd", NULL };
	char *env0[] = { NULL };
	CHECK(load(&cfg, argv0, env0, &action, err), "defaults load");
	CHECK_STR(cfg.listen, "127.0.0.1:8080", "listen default");
	CHECK(cfg.pool_size == 8, "pool-size default 8");
	CHECK(cfg.max_body_bytes == 1048576, "max-body-bytes default 1 MiB");
	CHECK(cfg.max_header_bytes == 16384, "max-header-bytes default 16 KiB");
	CHECK(action == CONFIG_RUN, "runs by default");
	CHECK_STR(cfg.time_zone, "Asia/Shanghai", "time-zone default: Beijing time");
	config_free(&cfg);

	char *env1[] = { "POLICYTRACK_POOL_SIZE=3", "POLICYTRACK_LISTEN=127.0.0.1:9", "OTHER=1",
		         NULL };
	CHECK(load(&cfg, argv0, env1, &action, err), "environment loads");
	CHECK(cfg.pool_size == 3, "env sets pool size");
	CHECK_STR(cfg.listen, "127.0.0.1:9", "env sets listen");
	config_free(&cfg);

	char *argv2[] = { "policytrackd", "--pool-size", "5", "--listen=0.0.0.0:1", NULL };
	CHECK(load(&cfg, argv2, env1, &action, err), "flags load");
	CHECK(cfg.pool_size == 5, "flag beats env");
	CHECK_STR(cfg.listen, "0.0.0.0:1", "--name=value form");
	config_free(&cfg);

	char *argv3[] = { "policytrackd", "--pool-size", "0", NULL };
	CHECK(!load(&cfg, argv3, env0, &action, err), "out of range refused");
	CHECK(strstr(err, "--pool-size") != NULL, "message names the flag: %s", err);
	config_free(&cfg);

	char *argv4[] = { "policytrackd", "--pool-size", "8x", NULL };
	CHECK(!load(&cfg, argv4, env0, &action, err), "junk number refused");
	config_free(&cfg);

	char *env5[] = { "POLICYTRACK_QUEUE_SIZE=-1", NULL };
	CHECK(!load(&cfg, argv0, env5, &action, err), "bad env refused");
	CHECK(strstr(err, "POLICYTRACK_QUEUE_SIZE") != NULL, "message names the variable: %s", err);
	config_free(&cfg);

	char *argv6[] = { "policytrackd", "--log-level", "loud", NULL };
	CHECK(!load(&cfg, argv6, env0, &action, err), "bad log level refused");
	config_free(&cfg);

	char *argv7[] = { "policytrackd", "--nope", "1", NULL };
	CHECK(!load(&cfg, argv7, env0, &action, err), "unknown flag refused");
	CHECK(strstr(err, "--nope") != NULL, "message names it: %s", err);
	config_free(&cfg);

	char *argv8[] = { "policytrackd", "--pool-size", NULL };
	CHECK(!load(&cfg, argv8, env0, &action, err), "missing value refused");
	config_free(&cfg);

	char *argv10[] = { "policytrackd", "--time-zone", "UTC", NULL };
	CHECK(load(&cfg, argv10, env0, &action, err), "--time-zone UTC loads");
	CHECK_STR(cfg.time_zone, "UTC", "--time-zone sets the zone");
	config_free(&cfg);

	/* Unknown, misspelt, a directory, a table beside the zones, a path, a POSIX rule. */
	const char *bad_zones[] = { "Asia/Beijing", "asia/shanghai",   "Asia",
		                    "zone.tab",     "../zoneinfo/UTC", "Asia//Shanghai",
		                    "<+08>-8",      "Asia/Shanghai ",  "" };
	for (size_t i = 0; i < sizeof(bad_zones) / sizeof(bad_zones[0]); i++)
		CHECK(!config_time_zone_valid(bad_zones[i]), "'%s' is not a time zone",
		      bad_zones[i]);
	CHECK(config_time_zone_valid("America/Argentina/Buenos_Aires") &&
	          config_time_zone_valid("Etc/GMT-8"),
	      "deep and signed names are time zones");

	char *env11[] = { "POLICYTRACK_TIME_ZONE=Mars/Olympus", NULL };
	CHECK(!load(&cfg, argv0, env11, &action, err), "unknown zone refused");
	CHECK(strstr(err, "POLICYTRACK_TIME_ZONE") && strstr(err, "Mars/Olympus"),
	      "message names the variable and the zone: %s", err);
	config_free(&cfg);

	char *argv9[] = { "policytrackd", "--print-routes", NULL };
	CHECK(load(&cfg, argv9, env0, &action, err) && action == CONFIG_PRINT_ROUTES,
	      "--print-routes");
	config_free(&cfg);
	/* The configuration file: between the defaults and the environment. */
	char path[] = "/tmp/pt-test-config-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0, "temporary file");
	close(fd);
	write_file(path, "# comment\n\n  POLICYTRACK_POOL_SIZE=4\nPOLICYTRACK_LOG_LEVEL=\"warn\"\n"
	                 "POLICYTRACK_TIME_ZONE='UTC'\nPOLICYTRACK_QUEUE_SIZE=7\r\n");
	char flag_file[64];
	snprintf(flag_file, sizeof(flag_file), "--config-file=%s", path);
	char *argv11[] = { "policytrackd", flag_file, NULL };
	char *envq[] = { "POLICYTRACK_QUEUE_SIZE=9", NULL };
	CHECK(load(&cfg, argv11, envq, &action, err), "config file loads: %s", err);
	CHECK(cfg.pool_size == 4, "file sets pool size");
	CHECK_STR(cfg.log_level, "warn", "double quotes stripped");
	CHECK_STR(cfg.time_zone, "UTC", "single quotes stripped");
	CHECK(cfg.queue_size == 9, "environment beats the file");
	CHECK_STR(cfg.config_file, path, "config_file recorded");
	config_free(&cfg);

	char *env12[] = { "POLICYTRACK_CONFIG_FILE=/nonexistent/pt.env", NULL };
	CHECK(!load(&cfg, argv0, env12, &action, err), "missing file refused");
	CHECK(strstr(err, "/nonexistent/pt.env") != NULL, "message names the file: %s", err);
	config_free(&cfg);
	char *argv13[] = { "policytrackd", "--version", NULL };
	CHECK(load(&cfg, argv13, env12, &action, err) && action == CONFIG_VERSION,
	      "--version needs no file");
	config_free(&cfg);

	write_file(path, "POLICYTRACK_POOL_SIZE=4\nPOLICYTRACK_POOLSIZE=5\n");
	CHECK(!load(&cfg, argv11, env0, &action, err), "unknown name refused");
	CHECK(strstr(err, ":2:") && strstr(err, "POLICYTRACK_POOLSIZE"), "names line and name: %s",
	      err);
	config_free(&cfg);
	write_file(path, "POLICYTRACK_POOL_SIZE=0\n");
	CHECK(!load(&cfg, argv11, env0, &action, err), "bad value refused");
	CHECK(strstr(err, ":1") && strstr(err, "--pool-size"), "names line and flag: %s", err);
	config_free(&cfg);
	write_file(path, "POLICYTRACK_CONFIG_FILE=/etc/other\n");
	CHECK(!load(&cfg, argv11, env0, &action, err), "a file cannot name another");
	config_free(&cfg);

	/* Reload: the reloadable setting is applied, the other waits for a restart. */
	write_file(path, "POLICYTRACK_LOG_LEVEL=info\nPOLICYTRACK_POOL_SIZE=4\n");
	struct config running, loaded, fresh;
	CHECK(load(&running, argv11, env0, &action, err), "first load");
	config_copy(&loaded, &running);
	running.max_connections = 10; /* adjusted at start: not a change */
	write_file(path, "POLICYTRACK_LOG_LEVEL=debug\nPOLICYTRACK_POOL_SIZE=5\n");
	CHECK(load(&fresh, argv11, env0, &action, err), "second load");
	char seen[256] = "";
	config_reload(&running, &loaded, &fresh, note, seen);
	CHECK_STR(seen, "+log-level -pool-size ", "changes told");
	CHECK_STR(running.log_level, "debug", "log level applied");
	CHECK(running.pool_size == 4, "pool size waits for a restart");
	CHECK(running.max_connections == 10, "untouched setting kept");
	seen[0] = '\0';
	config_reload(&running, &loaded, &fresh, note, seen);
	CHECK_STR(seen, "-pool-size ", "the pending restart is said again");
	config_free(&running);
	config_free(&loaded);
	config_free(&fresh);
	unlink(path);

	return tap_done();
}

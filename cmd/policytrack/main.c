/*
 * policytrack: the command-line tool. Subcommands run to completion on
 * blocking libpq connections; nothing here shares the daemon's loop.
 */
#include <libpq-fe.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "export.h"
#include "pg/migrate.h"
#include "pg/sql.h"
#include "pg/statements.h"
#include "users.h"

#ifndef PT_VERSION
#define PT_VERSION "unknown"
#endif

static void
usage(FILE *out)
{
	fprintf(out, "usage: policytrack COMMAND [OPTION...]\n\n"
	             "Commands:\n"
	             "  migrate [--status] [--database-url URL]\n"
	             "      apply pending schema migrations (or list them with --status).\n"
	             "      URL defaults to $POLICYTRACK_MIGRATE_DATABASE_URL, then\n"
	             "      $POLICYTRACK_DATABASE_URL; it must be the tables' owner role.\n"
	             "  sql [NAME [--params]]\n"
	             "      print the SQL the daemon sends for NAME (or list the names);\n"
	             "      --params lists its parameters as `$n name type`.\n"
	             "  version\n");
}

static PGconn *
connect_or_explain(const char *url)
{
	PGconn *conn = PQconnectdb(url);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "policytrack: cannot connect to the database: %s",
		        PQerrorMessage(conn));
		PQfinish(conn);
		return NULL;
	}
	PQclear(PQexec(conn, "SET client_min_messages = warning"));
	return conn;
}

static int
cmd_migrate(int argc, char **argv)
{
	const char *url = getenv("POLICYTRACK_MIGRATE_DATABASE_URL");
	if (!url || !*url)
		url = getenv("POLICYTRACK_DATABASE_URL");
	bool status_only = false;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--status") == 0) {
			status_only = true;
		} else if (strcmp(argv[i], "--database-url") == 0 && i + 1 < argc) {
			url = argv[++i];
		} else if (strncmp(argv[i], "--database-url=", 15) == 0) {
			url = argv[i] + 15;
		} else {
			fprintf(stderr, "policytrack migrate: unknown argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (!url || !*url) {
		fprintf(stderr, "policytrack migrate: no database: pass --database-url or set "
		                "POLICYTRACK_MIGRATE_DATABASE_URL\n");
		return 2;
	}
	PGconn *conn = connect_or_explain(url);
	if (!conn)
		return 1;
	int rc = status_only ? migrate_status(conn, stdout, stderr)
	                     : migrate_apply(conn, stdout, stderr);
	PQfinish(conn);
	return rc;
}

/* Takes "--name value" options from argv into the named slots; positional args into pos. */
struct opt {
	const char *name;
	const char **value;
	bool is_flag;
};

static bool
parse_opts(const char *cmd, int argc, char **argv, struct opt *opts, const char **pos, int npos)
{
	int got = 0;
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) != 0) {
			if (got == npos) {
				fprintf(stderr, "policytrack %s: unexpected argument '%s'\n", cmd,
				        argv[i]);
				return false;
			}
			pos[got++] = argv[i];
			continue;
		}
		struct opt *o = opts;
		while (o->name && strcmp(o->name, argv[i] + 2) != 0)
			o++;
		if (!o->name) {
			fprintf(stderr, "policytrack %s: unknown option '%s'\n", cmd, argv[i]);
			return false;
		}
		if (o->is_flag) {
			*o->value = "yes";
		} else if (i + 1 < argc) {
			*o->value = argv[++i];
		} else {
			fprintf(stderr, "policytrack %s: %s needs a value\n", cmd, argv[i]);
			return false;
		}
	}
	if (got < npos) {
		fprintf(stderr, "policytrack %s: missing argument (see policytrack --help)\n", cmd);
		return false;
	}
	return true;
}

static const char *
admin_url(const char *given)
{
	if (given && *given)
		return given;
	const char *url = getenv("POLICYTRACK_DATABASE_URL");
	if (!url || !*url)
		url = getenv("POLICYTRACK_MIGRATE_DATABASE_URL");
	return url && *url ? url : NULL;
}

static int
cmd_user(int argc, char **argv)
{
	const char *sub = argc > 0 ? argv[0] : "";
	const char *url = NULL, *role = NULL, *agency = NULL, *province = NULL, *display = NULL,
	           *password_stdin = NULL, *name = NULL;
	struct opt opts[] = {
		{ "database-url", &url, false },
		{ "role", &role, false },
		{ "agency", &agency, false },
		{ "province", &province, false },
		{ "display-name", &display, false },
		{ "password-stdin", &password_stdin, true },
		{ NULL, NULL, false },
	};
	bool list = strcmp(sub, "list") == 0;
	if (!list && strcmp(sub, "add") != 0 && strcmp(sub, "disable") != 0) {
		fprintf(stderr, "policytrack user: say add, list or disable\n");
		return 2;
	}
	if (!parse_opts("user", argc - 1, argv + 1, opts, &name, list ? 0 : 1))
		return 2;
	if (!admin_url(url)) {
		fprintf(stderr, "policytrack user: no database: pass --database-url or set "
		                "POLICYTRACK_DATABASE_URL\n");
		return 2;
	}
	char password[1100] = "";
	if (strcmp(sub, "add") == 0) {
		if (!role || !password_stdin) {
			fprintf(stderr, "policytrack user add: --role and --password-stdin are "
			                "required\n");
			return 2;
		}
		if (!fgets(password, sizeof(password), stdin)) {
			fprintf(stderr, "policytrack user add: no password on standard input\n");
			return 2;
		}
		password[strcspn(password, "\r\n")] = '\0';
	}
	PGconn *conn = connect_or_explain(admin_url(url));
	if (!conn)
		return 1;
	int rc;
	if (list) {
		rc = cli_user_list(conn, stdout, stderr);
	} else if (strcmp(sub, "disable") == 0) {
		rc = cli_user_disable(conn, name, stdout, stderr);
	} else {
		struct cli_user_add a = { name, role, agency, province, display, password };
		rc = cli_user_add(conn, &a, stdout, stderr);
	}
	sodium_memzero(password, sizeof(password));
	PQfinish(conn);
	return rc;
}

static int
cmd_token(int argc, char **argv)
{
	if (argc < 1 || strcmp(argv[0], "issue") != 0) {
		fprintf(stderr, "policytrack token: say `token issue USERNAME`\n");
		return 2;
	}
	const char *url = NULL, *ttl = NULL, *label = NULL, *name = NULL;
	struct opt opts[] = {
		{ "database-url", &url, false },
		{ "ttl", &ttl, false },
		{ "label", &label, false },
		{ NULL, NULL, false },
	};
	if (!parse_opts("token issue", argc - 1, argv + 1, opts, &name, 1))
		return 2;
	if (!admin_url(url)) {
		fprintf(stderr, "policytrack token: no database: pass --database-url or set "
		                "POLICYTRACK_DATABASE_URL\n");
		return 2;
	}
	PGconn *conn = connect_or_explain(admin_url(url));
	if (!conn)
		return 1;
	int rc = cli_token_issue(conn, name, ttl, label, stdout, stderr);
	PQfinish(conn);
	return rc;
}

static int
cmd_audit(int argc, char **argv)
{
	if (argc < 1 || strcmp(argv[0], "verify") != 0) {
		fprintf(stderr, "policytrack audit: say `audit verify`\n");
		return 2;
	}
	const char *url = NULL;
	struct opt opts[] = { { "database-url", &url, false }, { NULL, NULL, false } };
	if (!parse_opts("audit verify", argc - 1, argv + 1, opts, NULL, 0))
		return 2;
	if (!admin_url(url)) {
		fprintf(stderr, "policytrack audit: no database: pass --database-url or set "
		                "POLICYTRACK_DATABASE_URL\n");
		return 2;
	}
	PGconn *conn = connect_or_explain(admin_url(url));
	if (!conn)
		return 1;
	int rc = audit_verify(conn, stdout, stderr);
	PQfinish(conn);
	return rc;
}

static int
cmd_export(int argc, char **argv)
{
	if (argc < 1 || strcmp(argv[0], "catalogue") != 0) {
		fprintf(stderr, "policytrack export: say what to export: `export catalogue`\n");
		return 2;
	}
	const char *url = getenv("POLICYTRACK_DATABASE_URL");
	const char *output = NULL;
	enum export_format format = EXPORT_CSV;
	for (int i = 1; i < argc; i++) {
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(argv[i], "--format") == 0 && value) {
			if (!export_format_parse(value, &format)) {
				fprintf(stderr,
				        "policytrack export: --format must be csv, json or "
				        "markdown, not '%s'\n",
				        value);
				return 2;
			}
			i++;
		} else if (strcmp(argv[i], "--output") == 0 && value) {
			output = value;
			i++;
		} else if (strcmp(argv[i], "--database-url") == 0 && value) {
			url = value;
			i++;
		} else {
			fprintf(stderr, "policytrack export: unknown or incomplete argument '%s'\n",
			        argv[i]);
			return 2;
		}
	}
	if (!url || !*url) {
		fprintf(stderr, "policytrack export: no database: pass --database-url or set "
		                "POLICYTRACK_DATABASE_URL\n");
		return 2;
	}
	PGconn *conn = connect_or_explain(url);
	if (!conn)
		return 1;
	FILE *out = stdout;
	if (output && !(out = fopen(output, "w"))) {
		fprintf(stderr, "policytrack export: cannot write %s\n", output);
		PQfinish(conn);
		return 1;
	}
	int rc = export_catalogue(conn, format, out, stderr);
	if (out != stdout && fclose(out) != 0)
		rc = 1;
	PQfinish(conn);
	return rc;
}

/*
 * Every statement the programs send (sql/): `sql --list` names them with their
 * group and summary, `sql NAME` prints the text as sent, `--params` its
 * parameters as `$n name type` (bench/run feeds pgbench from these).
 */
static int
cmd_sql(int argc, char **argv)
{
	if (argc == 0 || (argc == 1 && strcmp(argv[0], "--list") == 0)) {
		for (size_t i = 0; i < sql_statements_count; i++)
			printf("%-32s %-12s %s\n", sql_statements[i]->name,
			       sql_statements[i]->group, sql_statements[i]->summary);
		/* Not yet moved to sql/: printed by name only. */
		for (size_t i = 0; i < statements_count; i++)
			printf("%s\n", statements[i]->name);
		return 0;
	}
	bool params = argc == 2 && strcmp(argv[1], "--params") == 0;
	if (argc > 2 || (argc == 2 && !params)) {
		fprintf(stderr, "policytrack sql: say `sql --list` or `sql NAME [--params]`\n");
		return 2;
	}
	const struct sql_statement *st = sql_statement_find(argv[0]);
	if (st) {
		if (params)
			for (const char *const *p = st->params; *p; p++)
				printf("%s\n", *p);
		else
			printf("%s\n", st->text);
		return 0;
	}
	const struct statement *old = statement_find(argv[0]);
	if (!old) {
		fprintf(stderr,
		        "policytrack sql: no statement '%s'; `policytrack sql --list` lists them\n",
		        argv[0]);
		return 2;
	}
	if (params)
		for (const char *const *p = old->params; *p; p++)
			printf("%s\n", *p);
	else
		printf("%s\n", old->sql);
	return 0;
}

int
main(int argc, char **argv)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "policytrack: libsodium failed to initialise\n");
		return 1;
	}
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "migrate") == 0)
		return cmd_migrate(argc - 2, argv + 2);
	if (strcmp(argv[1], "user") == 0)
		return cmd_user(argc - 2, argv + 2);
	if (strcmp(argv[1], "token") == 0)
		return cmd_token(argc - 2, argv + 2);
	if (strcmp(argv[1], "audit") == 0)
		return cmd_audit(argc - 2, argv + 2);
	if (strcmp(argv[1], "sql") == 0)
		return cmd_sql(argc - 2, argv + 2);
	if (strcmp(argv[1], "export") == 0)
		return cmd_export(argc - 2, argv + 2);
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("policytrack %s\n", PT_VERSION);
		return 0;
	}
	fprintf(stderr, "policytrack: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}

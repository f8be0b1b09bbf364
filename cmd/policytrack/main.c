/*
 * policytrack: the command-line tool. Subcommands run to completion on
 * blocking libpq connections; nothing here shares the daemon's loop. Each
 * subcommand is a row of commands[] below: its usage, and the function that
 * reads its options (getopt_long) and runs it.
 */
#include <getopt.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "core/config.h"
#include "core/password.h"
#include "export.h"
#include "import.h"
#include "pg/migrate.h"
#include "pg/sql.h"
#include "pg/sql_names.h"
#include "users.h"

#ifndef PT_VERSION
#define PT_VERSION "unknown"
#endif

/* Exit statuses: done, refused or failed (said on stderr), or a usage error. */
enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

struct command {
	const char *name;
	const char *summary;  /* one line, for `policytrack help` */
	const char *synopsis; /* the arguments after `policytrack NAME`, one form a line */
	const char *details;  /* what it does and its options */
	int (*run)(const struct command *cmd, int argc, char **argv);
};

static int cmd_migrate(const struct command *cmd, int argc, char **argv);
static int cmd_user(const struct command *cmd, int argc, char **argv);
static int cmd_token(const struct command *cmd, int argc, char **argv);
static int cmd_audit(const struct command *cmd, int argc, char **argv);
static int cmd_export(const struct command *cmd, int argc, char **argv);
static int cmd_escalate(const struct command *cmd, int argc, char **argv);
static int cmd_import(const struct command *cmd, int argc, char **argv);
static int cmd_sql(const struct command *cmd, int argc, char **argv);
static int cmd_version(const struct command *cmd, int argc, char **argv);
static int cmd_help(const struct command *cmd, int argc, char **argv);

#define DATABASE_OPTION                                                                            \
	"  --database-url URL   the database (default: $POLICYTRACK_MIGRATE_DATABASE_URL,\n"       \
	"                       then $POLICYTRACK_DATABASE_URL)\n"

static const struct command commands[] = {
	{ "migrate", "apply pending schema migrations, or list them (--status)",
	  "[--status] [--no-documents] [--database-url URL]",
	  "Applies the migrations this build holds that the database lacks, each in its own\n"
	  "transaction, then the repeatable definitions (sql/definitions) whose text changed,\n"
	  "then imports the documents that come with policytrack (data/documents), each a\n"
	  "no-op when unchanged and skipped when a person has imported a version of it since.\n"
	  "The database role must own the tables (POLICYTRACK_MIGRATE_DATABASE_URL).\n\n"
	  "Options:\n"
	  "  --status             list each migration and definition as applied or pending\n"
	  "                       (or changed), and change nothing\n"
	  "  --no-documents       migrate the schema only; import no bundled "
	  "document\n" DATABASE_OPTION,
	  cmd_migrate },
	{ "user", "add, list, disable or enable users, or set a password",
	  "add USERNAME --role ROLE [--agency CODE] [--province CODE]\n"
	  " [--display-name NAME] --password-stdin [--database-url URL]\n"
	  "list [--database-url URL]\n"
	  "disable USERNAME [--database-url URL]\n"
	  "enable USERNAME [--database-url URL]\n"
	  "passwd USERNAME --password-stdin [--database-url URL]",
	  "add creates a user with the password read from standard input (one line);\n"
	  "list prints every user; disable disables a user and revokes their tokens\n"
	  "(never the last enabled admin); enable lets a disabled user sign in again;\n"
	  "passwd sets a user's password from standard input and revokes their tokens.\n"
	  "A password follows the daemon's rules (POLICYTRACK_PASSWORD_MIN_LENGTH,\n"
	  "POLICYTRACK_PASSWORD_MIN_CLASSES; passwd also POLICYTRACK_PASSWORD_HISTORY).\n\n"
	  "Options:\n"
	  "  --role ROLE          the user's role (the roles table; docs/security.md)\n"
	  "  --agency CODE        the agency of an agency officer (e.g. sipo)\n"
	  "  --province CODE      the province of a provincial office or a provincial\n"
	  "                       counterpart department (e.g. CN-LN)\n"
	  "  --display-name NAME  the name people see (default: the username)\n"
	  "  --password-stdin     read the password from standard input\n" DATABASE_OPTION,
	  cmd_user },
	{ "token", "issue a long-lived automation token",
	  "issue USERNAME [--ttl DURATION] [--label TEXT]\n"
	  " [--database-url URL]",
	  "Issues an automation token for USERNAME and prints it alone on standard output,\n"
	  "once: only its hash is stored.\n\n"
	  "Options:\n"
	  "  --ttl DURATION       how long it is valid: 30d, 12h or 90m (default 30d,\n"
	  "                       at most 365d)\n"
	  "  --label TEXT         what the token is for\n" DATABASE_OPTION,
	  cmd_token },
	{ "audit", "check the audit trail; sign checkpoints of its head",
	  "verify [--checkpoint FILE --public-key HEX|--public-key-file FILE]\n"
	  " [--database-url URL]\n"
	  "checkpoint --output FILE [--key KEYFILE] [--database-url URL]\n"
	  "keygen --output KEYFILE",
	  "verify recomputes the hash of every event in order and checks that each names\n"
	  "its predecessor's, then checks every task's status, progress, due date,\n"
	  "evidence, RAG override and role against its events; it says where anything\n"
	  "breaks (exit status 1). With --checkpoint it also checks that the trail still\n"
	  "holds the checkpoint's head unchanged, which the chain alone cannot tell: an\n"
	  "event removed from the tail, or a tail rewritten with its hashes recomputed.\n"
	  "The checkpoint must be signed with the public key given: the one written in\n"
	  "the file proves nothing, since anyone can sign with a key of their own.\n\n"
	  "checkpoint verifies the same way and, when all holds, writes a checkpoint of\n"
	  "the trail's head (event count, head id and hash, time) signed with Ed25519.\n"
	  "keygen makes the signing key: the secret key into KEYFILE (mode 0600, never\n"
	  "overwritten), the public key on standard output. docs/operations.md (\"Audit\n"
	  "checkpoints\") says where to keep them, how to rotate the key, and cron.\n\n"
	  "Options:\n"
	  "  --checkpoint FILE       (verify) a checkpoint the trail must still hold\n"
	  "  --public-key HEX        (verify) the key it must be signed with (default:\n"
	  "                          $POLICYTRACK_AUDIT_PUBLIC_KEY)\n"
	  "  --public-key-file FILE  (verify) the same, from a file (what keygen printed)\n"
	  "  --key KEYFILE           (checkpoint) the secret signing key (default:\n"
	  "                          $POLICYTRACK_AUDIT_KEY_FILE)\n"
	  "  --output FILE           (checkpoint) where to write it, - for standard output;\n"
	  "                          (keygen) the new secret key file\n" DATABASE_OPTION,
	  cmd_audit },
	{ "import", "import a policy document (docs/import.md), or check it (--dry-run)",
	  "document FILE [--csv CSV] [--dry-run] [--json] [--database-url URL]",
	  "Loads the document in FILE (the JSON format of docs/import.md) with its sections,\n"
	  "measures, agencies, provinces and localities, and creates its tasks. Every problem\n"
	  "is reported at once, located (JSON pointer, or CSV line and column), and nothing\n"
	  "is written unless there is none; the import is one transaction. Importing the\n"
	  "same content again changes nothing; a changed document becomes a new version,\n"
	  "listed change by change, and tasks keep their history.\n\n"
	  "Options:\n"
	  "  --csv CSV            the sections and measures as a spreadsheet's CSV; FILE then\n"
	  "                       holds the rest (docs/import.md)\n"
	  "  --dry-run            check and say what would change; write nothing\n"
	  "  --json               print the answer as JSON (what POST /api/v1/documents "
	  "says)\n" DATABASE_OPTION,
	  cmd_import },
	{ "export", "export the catalogue as CSV, JSON or Markdown, or a document to re-import",
	  "catalogue [--format csv|json|markdown] [--document CODE] [--output FILE]\n"
	  " [--database-url URL]\n"
	  "document CODE [--output FILE] [--database-url URL]",
	  "catalogue writes every measure with its agencies, provinces and localities: CSV\n"
	  "for spreadsheets (with a BOM, so Excel reads UTF-8), JSON for tools, Markdown for\n"
	  "docs/catalogue.md; CSV and JSON name each measure's document, as measure codes\n"
	  "recur across documents. document writes one document in the import format\n"
	  "(docs/import.md), to edit and import again.\n\n"
	  "Options:\n"
	  "  --format FORMAT      csv (default), json or markdown (catalogue only)\n"
	  "  --document CODE      only this document's measures (catalogue; default: every\n"
	  "                       document's)\n"
	  "  --output FILE        write to FILE instead of standard output\n" DATABASE_OPTION,
	  cmd_export },
	{ "escalate",
	  "record the escalation ladder's levels reached (催办), or list them (--dry-run)",
	  "[--dry-run] [--as-of DATE] [--database-url URL]",
	  "Records, for every open task and work item with a due date, the level of the\n"
	  "escalation ladder (GET /api/v1/escalation-ladder) it has reached today and that\n"
	  "is not recorded yet, each with its event in the audit trail (docs/workflow.md,\n"
	  "\"Escalation\"). Running it again the same day records nothing more; the daemon\n"
	  "runs it every --escalation-interval-s. Prints one line per level recorded.\n\n"
	  "Options:\n"
	  "  --dry-run            say what would be recorded; record nothing\n"
	  "  --as-of DATE         judge the day DATE (YYYY-MM-DD) instead of today (Beijing\n"
	  "                       time): for tests and catching up; the tables' owner "
	  "only\n" DATABASE_OPTION,
	  cmd_escalate },
	{ "sql", "list the SQL statements the programs send, or print one",
	  "[--list]\n"
	  "NAME [--params]",
	  "Lists every statement of sql/ with its group and summary, or prints the text of\n"
	  "NAME as it is sent (fragments expanded).\n\n"
	  "Options:\n"
	  "  --list               list the statements (the default without NAME)\n"
	  "  --params             print NAME's parameters as `$n name type`\n",
	  cmd_sql },
	{ "version", "print the version", "", "Prints `policytrack VERSION`.\n", cmd_version },
	{ "help", "print this, or a command's usage", "[COMMAND]",
	  "Lists the commands, or prints COMMAND's usage (as `policytrack COMMAND --help`).\n",
	  cmd_help },
};
static const size_t commands_count = sizeof(commands) / sizeof(commands[0]);

static void
usage_of(const struct command *cmd, FILE *out)
{
	/* One form a line; a line that starts with a space continues the form before. */
	const char *line = cmd->synopsis;
	bool first = true;
	while (*line) {
		size_t n = strcspn(line, "\n");
		if (*line == ' ')
			fprintf(out, "%*s%.*s\n",
			        (int)(strlen("usage: policytrack ") + strlen(cmd->name)), "",
			        (int)n, line);
		else
			fprintf(out, "%s policytrack %s%s%.*s\n", first ? "usage:" : "      ",
			        cmd->name, n ? " " : "", (int)n, line);
		first = false;
		line += n + (line[n] == '\n');
	}
	if (first)
		fprintf(out, "usage: policytrack %s\n", cmd->name);
	fprintf(out, "\n%s", cmd->details);
}

static void
usage(FILE *out)
{
	fprintf(out, "usage: policytrack COMMAND [ARGUMENT...] [OPTION...]\n\nCommands:\n");
	for (size_t i = 0; i < commands_count; i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
	        "\n`policytrack help COMMAND` or `policytrack COMMAND --help` prints a command's\n"
	        "usage. Commands that use the database connect to --database-url URL, else\n"
	        "$POLICYTRACK_MIGRATE_DATABASE_URL, else $POLICYTRACK_DATABASE_URL, and count\n"
	        "dates in $POLICYTRACK_TIME_ZONE (default Asia/Shanghai), as the daemon does.\n");
}

static const struct command *
command_find(const char *name)
{
	for (size_t i = 0; i < commands_count; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/*
 * Options shared by every command's getopt_long table; each command adds its
 * own with values from OPT_OWN up.
 */
enum { OPT_HELP = 'h', OPT_DATABASE_URL = 256, OPT_OWN };
#define OPTION_HELP                                                                                \
	{                                                                                          \
		"help", no_argument, NULL, OPT_HELP                                                \
	}
#define OPTION_DATABASE_URL                                                                        \
	{                                                                                          \
		"database-url", required_argument, NULL, OPT_DATABASE_URL                          \
	}
#define OPTION_END                                                                                 \
	{                                                                                          \
		NULL, 0, NULL, 0                                                                   \
	}

/*
 * Prepares getopt_long for cmd's arguments (argv[0] is the command's name):
 * its messages then name the command, and it starts afresh.
 */
static void
options_begin(const struct command *cmd, char **argv)
{
	static char prog[64];
	snprintf(prog, sizeof(prog), "policytrack %s", cmd->name);
	argv[0] = prog;
	optind = 0;
}

/* What an option getopt_long did not take gets: a pointer to the usage. */
static int
options_refused(const struct command *cmd)
{
	fprintf(stderr, "Try `policytrack help %s`.\n", cmd->name);
	return EXIT_USAGE;
}

static int
usage_error(const struct command *cmd, const char *what)
{
	fprintf(stderr, "policytrack %s: %s\n", cmd->name, what);
	return options_refused(cmd);
}

/* --database-url URL, else $POLICYTRACK_MIGRATE_DATABASE_URL, else $POLICYTRACK_DATABASE_URL. */
static const char *
database_url(const char *given)
{
	if (given && *given)
		return given;
	const char *url = getenv("POLICYTRACK_MIGRATE_DATABASE_URL");
	if (!url || !*url)
		url = getenv("POLICYTRACK_DATABASE_URL");
	return url && *url ? url : NULL;
}

/* $POLICYTRACK_TIME_ZONE, else the daemon's default: Beijing time. */
static const char *
time_zone(void)
{
	const char *zone = getenv("POLICYTRACK_TIME_ZONE");
	return zone && *zone ? zone : "Asia/Shanghai";
}

/*
 * Gives the session the daemon's time zone, so that whatever the CLI reads or
 * writes counts dates as the daemon does. False after saying why.
 */
static bool
time_zone_apply(PGconn *conn)
{
	const char *values[] = { time_zone() };
	PGresult *res = PQexecParams(conn, sql_cli_time_zone.text, sql_cli_time_zone.nparams, NULL,
	                             values, NULL, NULL, 0);
	bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "policytrack: POLICYTRACK_TIME_ZONE: the database refuses '%s': %s",
		        values[0], PQerrorMessage(conn));
	PQclear(res);
	return ok;
}

extern char **environ;

/*
 * The deployment norms from the daemon's POLICYTRACK_* variables (the CLI
 * takes no flags for them): the password rules `user add` and `user passwd`
 * apply, and the settings the SQL reads. Loaded by database_connect().
 */
static struct config norms;

/* Loads the norms and gives them to the session; false after saying why. */
static bool
norms_apply(const struct command *cmd, PGconn *conn, int *rc)
{
	enum config_action action;
	char err[300];
	config_free(&norms);
	if (!config_load(&norms, 0, NULL, environ, &action, err, sizeof(err))) {
		fprintf(stderr, "policytrack %s: %s\n", cmd->name, err);
		*rc = EXIT_USAGE;
		return false;
	}
	char age[24], history[24], idle[24], retention[24];
	snprintf(age, sizeof(age), "%ld", norms.password_max_age_days);
	snprintf(history, sizeof(history), "%ld", norms.password_history);
	snprintf(idle, sizeof(idle), "%ld", norms.session_idle_s);
	snprintf(retention, sizeof(retention), "%ld", norms.log_retention_days);
	const char *values[] = { age, history, idle, retention, norms.classification_max };
	PGresult *res = PQexecParams(conn, sql_cli_norms.text, sql_cli_norms.nparams, NULL, values,
	                             NULL, NULL, 0);
	bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok) {
		fprintf(stderr, "policytrack %s: setting the deployment norms failed: %s",
		        cmd->name, PQerrorMessage(conn));
		*rc = EXIT_FAILED;
	}
	PQclear(res);
	return ok;
}

/* The database cmd works on, connected; NULL with *rc set after saying why. */
static PGconn *
database_connect(const struct command *cmd, const char *given, int *rc)
{
	const char *url = database_url(given);
	if (!url) {
		fprintf(stderr,
		        "policytrack %s: no database: pass --database-url or set "
		        "POLICYTRACK_MIGRATE_DATABASE_URL or POLICYTRACK_DATABASE_URL\n",
		        cmd->name);
		*rc = EXIT_USAGE;
		return NULL;
	}
	if (!config_time_zone_valid(time_zone())) {
		fprintf(stderr,
		        "policytrack %s: POLICYTRACK_TIME_ZONE: '%s' is not a time zone: give an "
		        "IANA name such as Asia/Shanghai or UTC, spelt as the time zone database "
		        "spells it\n",
		        cmd->name, time_zone());
		*rc = EXIT_USAGE;
		return NULL;
	}
	PGconn *conn = PQconnectdb(url);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "policytrack: cannot connect to the database: %s",
		        PQerrorMessage(conn));
		PQfinish(conn);
		*rc = EXIT_FAILED;
		return NULL;
	}
	PQclear(PQexecParams(conn, sql_cli_session_setup.text, sql_cli_session_setup.nparams, NULL,
	                     NULL, NULL, NULL, 0));
	if (!time_zone_apply(conn)) {
		PQfinish(conn);
		*rc = EXIT_FAILED;
		return NULL;
	}
	if (!norms_apply(cmd, conn, rc)) {
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

static int
cmd_migrate(const struct command *cmd, int argc, char **argv)
{
	enum { OPT_STATUS = OPT_OWN, OPT_NO_DOCUMENTS };
	static const struct option options[] = {
		{ "status", no_argument, NULL, OPT_STATUS },
		{ "no-documents", no_argument, NULL, OPT_NO_DOCUMENTS },
		OPTION_DATABASE_URL,
		OPTION_HELP,
		OPTION_END,
	};
	const char *url = NULL;
	bool status_only = false, documents = true;
	int c;
	options_begin(cmd, argv);
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case OPT_STATUS:
			status_only = true;
			break;
		case OPT_NO_DOCUMENTS:
			documents = false;
			break;
		case OPT_DATABASE_URL:
			url = optarg;
			break;
		case OPT_HELP:
			usage_of(cmd, stdout);
			return EXIT_OK;
		default:
			return options_refused(cmd);
		}
	}
	if (optind < argc)
		return usage_error(cmd, "takes no arguments, only options");
	int rc;
	PGconn *conn = database_connect(cmd, url, &rc);
	if (!conn)
		return rc;
	rc = status_only ? migrate_status(conn, stdout, stderr)
	                 : migrate_apply(conn, stdout, stderr);
	if (rc == 0 && !status_only && documents)
		rc = import_bundled_documents(conn, stdout, stderr);
	PQfinish(conn);
	return rc;
}

static int
cmd_user(const struct command *cmd, int argc, char **argv)
{
	enum {
		OPT_ROLE = OPT_OWN,
		OPT_AGENCY,
		OPT_PROVINCE,
		OPT_DISPLAY_NAME,
		OPT_PASSWORD_STDIN,
	};
	static const struct option options[] = {
		{ "role", required_argument, NULL, OPT_ROLE },
		{ "agency", required_argument, NULL, OPT_AGENCY },
		{ "province", required_argument, NULL, OPT_PROVINCE },
		{ "display-name", required_argument, NULL, OPT_DISPLAY_NAME },
		{ "password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN },
		OPTION_DATABASE_URL,
		OPTION_HELP,
		OPTION_END,
	};
	const char *url = NULL;
	struct cli_user_add a = { 0 };
	bool password_stdin = false;
	int c;
	options_begin(cmd, argv);
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case OPT_ROLE:
			a.role = optarg;
			break;
		case OPT_AGENCY:
			a.agency = optarg;
			break;
		case OPT_PROVINCE:
			a.province = optarg;
			break;
		case OPT_DISPLAY_NAME:
			a.display_name = optarg;
			break;
		case OPT_PASSWORD_STDIN:
			password_stdin = true;
			break;
		case OPT_DATABASE_URL:
			url = optarg;
			break;
		case OPT_HELP:
			usage_of(cmd, stdout);
			return EXIT_OK;
		default:
			return options_refused(cmd);
		}
	}
	const char *sub = optind < argc ? argv[optind] : "";
	int args = argc - optind - 1;
	bool list = strcmp(sub, "list") == 0, add = strcmp(sub, "add") == 0;
	bool disable = strcmp(sub, "disable") == 0, enable = strcmp(sub, "enable") == 0;
	bool passwd = strcmp(sub, "passwd") == 0;
	if (!list && !add && !disable && !enable && !passwd)
		return usage_error(cmd, "say add, list, disable, enable or passwd");
	if (args != (list ? 0 : 1))
		return usage_error(cmd, list ? "list takes no arguments"
		                             : "say which user: a USERNAME after add, disable, "
		                               "enable or passwd");
	a.username = list ? NULL : argv[optind + 1];
	char password[1100] = "";
	if (add || passwd) {
		if (add && !a.role)
			return usage_error(cmd, "add needs --role and --password-stdin");
		if (!password_stdin)
			return usage_error(cmd, add ? "add needs --role and --password-stdin"
			                            : "passwd needs --password-stdin");
		if (!fgets(password, sizeof(password), stdin)) {
			fprintf(stderr, "policytrack user %s: no password on standard input\n",
			        sub);
			return EXIT_USAGE;
		}
		password[strcspn(password, "\r\n")] = '\0';
		a.password = password;
	}
	int rc;
	PGconn *conn = database_connect(cmd, url, &rc);
	if (conn) {
		struct password_rules rules = { norms.password_min_length,
			                        norms.password_min_classes };
		a.rules = &rules;
		if (list)
			rc = cli_user_list(conn, stdout, stderr);
		else if (add)
			rc = cli_user_add(conn, &a, stdout, stderr);
		else if (passwd)
			rc = cli_user_passwd(conn, &a, norms.password_history, stdout, stderr);
		else
			rc = cli_user_set_disabled(conn, a.username, disable, stdout, stderr);
		PQfinish(conn);
	}
	sodium_memzero(password, sizeof(password));
	return rc;
}

static int
cmd_token(const struct command *cmd, int argc, char **argv)
{
	enum { OPT_TTL = OPT_OWN, OPT_LABEL };
	static const struct option options[] = {
		{ "ttl", required_argument, NULL, OPT_TTL },
		{ "label", required_argument, NULL, OPT_LABEL },
		OPTION_DATABASE_URL,
		OPTION_HELP,
		OPTION_END,
	};
	const char *url = NULL, *ttl = NULL, *label = NULL;
	int c;
	options_begin(cmd, argv);
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case OPT_TTL:
			ttl = optarg;
			break;
		case OPT_LABEL:
			label = optarg;
			break;
		case OPT_DATABASE_URL:
			url = optarg;
			break;
		case OPT_HELP:
			usage_of(cmd, stdout);
			return EXIT_OK;
		default:
			return options_refused(cmd);
		}
	}
	if (argc - optind != 2 || strcmp(argv[optind], "issue") != 0)
		return usage_error(cmd, "say `token issue USERNAME`");
	int rc;
	PGconn *conn = database_connect(cmd, url, &rc);
	if (!conn)
		return rc;
	rc = cli_token_issue(conn, argv[optind + 1], ttl, label, stdout, stderr);
	PQfinish(conn);
	return rc;
}

static int
cmd_audit(const struct command *cmd, int argc, char **argv)
{
	enum { OPT_CHECKPOINT = OPT_OWN, OPT_PUBLIC_KEY, OPT_PUBLIC_KEY_FILE, OPT_KEY, OPT_OUTPUT };
	static const struct option options[] = {
		{ "checkpoint", required_argument, NULL, OPT_CHECKPOINT },
		{ "public-key", required_argument, NULL, OPT_PUBLIC_KEY },
		{ "public-key-file", required_argument, NULL, OPT_PUBLIC_KEY_FILE },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		OPTION_DATABASE_URL,
		OPTION_HELP,
		OPTION_END,
	};
	const char *url = NULL, *checkpoint = NULL, *public_key = NULL, *public_key_file = NULL;
	const char *key = NULL, *output = NULL;
	int c;
	options_begin(cmd, argv);
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case OPT_CHECKPOINT:
			checkpoint = optarg;
			break;
		case OPT_PUBLIC_KEY:
			public_key = optarg;
			break;
		case OPT_PUBLIC_KEY_FILE:
			public_key_file = optarg;
			break;
		case OPT_KEY:
			key = optarg;
			break;
		case OPT_OUTPUT:
			output = optarg;
			break;
		case OPT_DATABASE_URL:
			url = optarg;
			break;
		case OPT_HELP:
			usage_of(cmd, stdout);
			return EXIT_OK;
		default:
			return options_refused(cmd);
		}
	}
	const char *what = argc - optind == 1 ? argv[optind] : "";
	bool verify = strcmp(what, "verify") == 0, sign = strcmp(what, "checkpoint") == 0;
	bool keygen = strcmp(what, "keygen") == 0;
	if (!verify && !sign && !keygen)
		return usage_error(cmd, "say `audit verify`, `audit checkpoint` or `audit keygen`");
	if (!verify && (checkpoint || public_key || public_key_file))
		return usage_error(cmd, "--checkpoint and the public key are for `audit verify`");
	if (!sign && key)
		return usage_error(cmd, "--key is for `audit checkpoint`");
	if (verify && output)
		return usage_error(cmd, "--output is for `audit checkpoint` and `audit keygen`");
	if ((sign || keygen) && (!output || !*output))
		return usage_error(cmd, "say where to write it: --output FILE");

	if (keygen)
		return audit_keygen(output, stdout, stderr) == 0 ? EXIT_OK : EXIT_FAILED;

	unsigned char trusted[AUDIT_PUBLIC_KEY_BYTES];
	if (verify) {
		bool key_given = public_key || public_key_file;
		if (!key_given) {
			const char *env = getenv("POLICYTRACK_AUDIT_PUBLIC_KEY");
			public_key = env && *env ? env : NULL;
		}
		if (public_key && public_key_file)
			return usage_error(cmd, "give the public key once: --public-key or "
			                        "--public-key-file");
		if (checkpoint && !public_key && !public_key_file)
			return usage_error(
			    cmd,
			    "--checkpoint needs the public key it must be signed with "
			    "(--public-key, --public-key-file or $POLICYTRACK_AUDIT_PUBLIC_KEY): "
			    "the key written in the checkpoint proves nothing by itself");
		if (!checkpoint && key_given)
			return usage_error(cmd, "a public key is for checking a --checkpoint");
		if (checkpoint && audit_public_key_read(public_key_file ? NULL : public_key,
		                                        public_key_file, trusted, stderr) != 0)
			return EXIT_USAGE;
	}
	if (sign && !key) {
		const char *env = getenv("POLICYTRACK_AUDIT_KEY_FILE");
		key = env && *env ? env : NULL;
		if (!key)
			return usage_error(cmd, "say which signing key: --key KEYFILE or "
			                        "$POLICYTRACK_AUDIT_KEY_FILE");
	}
	int rc;
	PGconn *conn = database_connect(cmd, url, &rc);
	if (!conn)
		return rc;
	rc = verify ? audit_verify(conn, checkpoint, checkpoint ? trusted : NULL, stdout, stderr)
	            : audit_checkpoint(conn, key, output, stdout, stderr);
	PQfinish(conn);
	return rc == 0 ? EXIT_OK : EXIT_FAILED;
}

/* YYYY-MM-DD with a month and day in range; the database checks the rest. */
static bool
date_like(const char *s)
{
	int y, m, d, n = 0;
	return strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && n == 10 &&
	       m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

static int
cmd_escalate(const struct command *cmd, int argc, char **argv)
{
	enum { OPT_DRY_RUN = OPT_OWN, OPT_AS_OF };
	static const struct option options[] = {
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "as-of", required_argument, NULL, OPT_AS_OF },
		OPTION_DATABASE_URL,
		OPTION_HELP,
		OPTION_END,
	};
	const char *url = NULL, *as_of = NULL;
	bool dry_run = false;
	int c;
	options_begin(cmd, argv);
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case OPT_DRY_RUN:
			dry_run = true;
			break;
		case OPT_AS_OF:
			as_of = optarg;
			break;
		case OPT_DATABASE_URL:
			url = optarg;
			break;
		case OPT_HELP:
			usage_of(cmd, stdout);
			return EXIT_OK;
		default:
			return options_refused(cmd);
		}
	}
	if (optind < argc)
		return usage_error(cmd, "takes no arguments, only options");
	if (as_of && !date_like(as_of))
		return usage_error(cmd, "--as-of: give a date as YYYY-MM-DD");
	int rc;
	PGconn *conn = database_connect(cmd, url, &rc);
	if (!conn)
		return rc;
	const char *dry = dry_run ? "true" : "false";
	const char *with_day[] = { as_of, dry };
	const char *today[] = { dry };
	const struct sql_statement *st =
	    as_of ? &sql_escalation_run_as_of : &sql_escalation_run_today;
	PGresult *res = PQexecParams(conn, st->text, st->nparams, NULL, as_of ? with_day : today,
	                             NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "policytrack escalate: %s", PQerrorMessage(conn));
		PQclear(res);
		PQfinish(conn);
		return EXIT_FAILED;
	}
	int n = PQntuples(res);
	for (int i = 0; i < n; i++) {
		int days = atoi(PQgetvalue(res, i, 7));
		printf("%s %s (task %s): %s %s, repeat %s, due %s, %s %d day%s%s\n",
		       PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
		       PQgetvalue(res, i, 3), PQgetvalue(res, i, 4), PQgetvalue(res, i, 5),
		       PQgetvalue(res, i, 6), days < 0 ? "overdue by" : "due in",
		       days < 0 ? -days : days, (days == 1 || days == -1) ? "" : "s",
		       PQgetvalue(res, i, 8)[0] == 't' ? ", copied to the unit's leader" : "");
	}
	printf("%d level%s %s\n", n, n == 1 ? "" : "s",
	       dry_run ? "would be recorded (dry run: nothing written)" : "recorded");
	PQclear(res);
	PQfinish(conn);
	return EXIT_OK;
}

static int
cmd_export(const struct command *cmd, int argc, char **argv)
{
	enum { OPT_FORMAT = OPT_OWN, OPT_OUTPUT, OPT_DOCUMENT };
	static const struct option options[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "document", required_argument, NULL, OPT_DOCUMENT },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		OPTION_DATABASE_URL,
		OPTION_HELP,
		OPTION_END,
	};
	const char *url = NULL, *output = NULL, *document = NULL;
	enum export_format format = EXPORT_CSV;
	int c;
	options_begin(cmd, argv);
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT:
			if (!export_format_parse(optarg, &format)) {
				fprintf(stderr,
				        "policytrack export: --format must be csv, json or "
				        "markdown, not '%s'\n",
				        optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_OUTPUT:
			output = optarg;
			break;
		case OPT_DOCUMENT:
			document = optarg;
			break;
		case OPT_DATABASE_URL:
			url = optarg;
			break;
		case OPT_HELP:
			usage_of(cmd, stdout);
			return EXIT_OK;
		default:
			return options_refused(cmd);
		}
	}
	/* `export document CODE`: one document in the import format. */
	bool whole_document = argc - optind == 2 && strcmp(argv[optind], "document") == 0;
	if (!whole_document && (argc - optind != 1 || strcmp(argv[optind], "catalogue") != 0))
		return usage_error(
		    cmd, "say what to export: `export catalogue` or `export document CODE`");
	if (whole_document && document)
		return usage_error(cmd,
		                   "--document is for `export catalogue`; `export document` names "
		                   "its document itself");
	int rc;
	PGconn *conn = database_connect(cmd, url, &rc);
	if (!conn)
		return rc;
	/* Before the output file is made: a wrong code leaves nothing behind. */
	if (document && export_check_document(conn, document, stderr) != 0) {
		PQfinish(conn);
		return EXIT_FAILED;
	}
	FILE *out = stdout;
	if (output && !(out = fopen(output, "w"))) {
		fprintf(stderr, "policytrack export: cannot write %s\n", output);
		PQfinish(conn);
		return EXIT_FAILED;
	}
	rc = whole_document ? export_document(conn, argv[optind + 1], out, stderr)
	                    : export_catalogue(conn, format, document, out, stderr);
	if (out != stdout && fclose(out) != 0)
		rc = EXIT_FAILED;
	PQfinish(conn);
	return rc;
}

static int
cmd_import(const struct command *cmd, int argc, char **argv)
{
	enum { OPT_CSV = OPT_OWN, OPT_DRY_RUN, OPT_JSON };
	static const struct option options[] = {
		{ "csv", required_argument, NULL, OPT_CSV },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "json", no_argument, NULL, OPT_JSON },
		OPTION_DATABASE_URL,
		OPTION_HELP,
		OPTION_END,
	};
	const char *url = NULL;
	struct import_options o = { 0 };
	int c;
	options_begin(cmd, argv);
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case OPT_CSV:
			o.csv_path = optarg;
			break;
		case OPT_DRY_RUN:
			o.dry_run = true;
			break;
		case OPT_JSON:
			o.json = true;
			break;
		case OPT_DATABASE_URL:
			url = optarg;
			break;
		case OPT_HELP:
			usage_of(cmd, stdout);
			return EXIT_OK;
		default:
			return options_refused(cmd);
		}
	}
	if (argc - optind != 2 || strcmp(argv[optind], "document") != 0)
		return usage_error(cmd, "say what to import: `import document FILE`");
	o.path = argv[optind + 1];
	int rc;
	PGconn *conn = database_connect(cmd, url, &rc);
	if (!conn)
		return rc;
	rc = import_document(conn, &o, stdout, stderr);
	PQfinish(conn);
	return rc == 0 ? EXIT_OK : EXIT_FAILED;
}

/*
 * Every statement the programs send (sql/): `sql --list` names them with their
 * group and summary, `sql NAME` prints the text as sent, `--params` its
 * parameters as `$n name type` (bench/run feeds pgbench from these).
 */
static int
cmd_sql(const struct command *cmd, int argc, char **argv)
{
	enum { OPT_LIST = OPT_OWN, OPT_PARAMS };
	static const struct option options[] = {
		{ "list", no_argument, NULL, OPT_LIST },
		{ "params", no_argument, NULL, OPT_PARAMS },
		OPTION_HELP,
		OPTION_END,
	};
	bool list = false, params = false;
	int c;
	options_begin(cmd, argv);
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case OPT_LIST:
			list = true;
			break;
		case OPT_PARAMS:
			params = true;
			break;
		case OPT_HELP:
			usage_of(cmd, stdout);
			return EXIT_OK;
		default:
			return options_refused(cmd);
		}
	}
	int names = argc - optind;
	if (names > 1 || (names == 1 && list) || (names == 0 && params))
		return usage_error(cmd, "say `sql --list` or `sql NAME [--params]`");
	if (names == 0) {
		for (size_t i = 0; i < sql_statements_count; i++)
			printf("%-32s %-12s %s\n", sql_statements[i]->name,
			       sql_statements[i]->group, sql_statements[i]->summary);
		return EXIT_OK;
	}
	const char *name = argv[optind];
	const struct sql_statement *st = sql_statement_find(name);
	if (!st) {
		fprintf(stderr,
		        "policytrack sql: no statement '%s'; `policytrack sql --list` lists them\n",
		        name);
		return EXIT_USAGE;
	}
	if (params)
		for (const char *const *p = st->params; *p; p++)
			printf("%s\n", *p);
	else
		printf("%s\n", st->text);
	return EXIT_OK;
}

/* Commands without options of their own: --help, and nothing more. */
static bool
only_help(const struct command *cmd, int argc, char **argv, int *rc)
{
	static const struct option options[] = { OPTION_HELP, OPTION_END };
	int c;
	options_begin(cmd, argv);
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (c == OPT_HELP) {
			usage_of(cmd, stdout);
			*rc = EXIT_OK;
		} else {
			*rc = options_refused(cmd);
		}
		return false;
	}
	return true;
}

static int
cmd_version(const struct command *cmd, int argc, char **argv)
{
	int rc;
	if (!only_help(cmd, argc, argv, &rc))
		return rc;
	if (optind < argc)
		return usage_error(cmd, "takes no arguments");
	printf("policytrack %s\n", PT_VERSION);
	return EXIT_OK;
}

static int
cmd_help(const struct command *cmd, int argc, char **argv)
{
	int rc;
	if (!only_help(cmd, argc, argv, &rc))
		return rc;
	if (argc - optind > 1)
		return usage_error(cmd, "say `help` or `help COMMAND`");
	if (optind == argc) {
		usage(stdout);
		return EXIT_OK;
	}
	const struct command *about = command_find(argv[optind]);
	if (!about) {
		fprintf(stderr, "policytrack help: no command '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	usage_of(about, stdout);
	return EXIT_OK;
}

int
main(int argc, char **argv)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "policytrack: libsodium failed to initialise\n");
		return EXIT_FAILED;
	}
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
		name = "help";
	else if (strcmp(name, "--version") == 0)
		name = "version";
	const struct command *cmd = command_find(name);
	if (!cmd) {
		fprintf(stderr, "policytrack: unknown command '%s'\n", argv[1]);
		usage(stderr);
		return EXIT_USAGE;
	}
	/* The command sees its own name as argv[0], then its arguments. */
	int rc = cmd->run(cmd, argc - 1, argv + 1);
	config_free(&norms);
	return rc;
}

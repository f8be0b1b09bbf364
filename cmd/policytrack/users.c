#include "users.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "api/refusal.h"
#include "core/password.h"
#include "core/user_rules.h"
#include "core/util.h"
#include "pg/sql_names.h"

/*
 * The write functions answer (outcome, reason, field, detail, body, ...): the
 * column after the body is what the CLI reports (tokens revoked, the expiry).
 */
#define WRITE_EXTRA 5

static PGresult *
run(PGconn *conn, const struct sql_statement *st, const char *const *values)
{
	return PQexecParams(conn, st->text, st->nparams, NULL, values, NULL, NULL, 0);
}

void
cli_say_db_error(FILE *err, const char *what, PGconn *conn)
{
	const char *msg = PQerrorMessage(conn);
	size_t n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	if (n == 0)
		fprintf(err, "policytrack %s: the database gave no answer\n", what);
	else
		fprintf(err, "policytrack %s: %.*s\n", what, (int)n, msg);
}

/*
 * Whether the write function's answer in r is a refusal; if so, says it on
 * err in the API's words (the function's detail, else the refusal table's),
 * naming the option it concerns.
 */
static bool
refused(const char *what, PGresult *r, FILE *err)
{
	if (strcmp(PQgetvalue(r, 0, 0), "ok") == 0)
		return false;
	const char *reason = PQgetvalue(r, 0, 1);
	const char *field = PQgetisnull(r, 0, 2) ? NULL : PQgetvalue(r, 0, 2);
	const char *detail = PQgetisnull(r, 0, 3) ? NULL : PQgetvalue(r, 0, 3);
	const struct refusal *known = refusal_find(reason);
	if (!detail)
		detail = known && known->detail ? known->detail : reason;
	if (field)
		fprintf(err, "policytrack %s: --%s: %s\n", what, field, detail);
	else
		fprintf(err, "policytrack %s: %s\n", what, detail);
	return true;
}

int
cli_user_add(PGconn *conn, const struct cli_user_add *a, FILE *out, FILE *err)
{
	if (!user_username_valid(a->username)) {
		fprintf(err,
		        "policytrack user add: '%s' is not a username: 3-64 of a-z 0-9 . _ -, "
		        "starting with a letter or digit\n",
		        a->username);
		return 2;
	}
	const char *field;
	const char *why = user_scope_error(a->role, a->agency, a->province, &field);
	if (why) {
		fprintf(err, "policytrack user add: --%s: %s\n", field, why);
		return 2;
	}
	char policy[200];
	why = password_policy_error(a->password, a->rules, policy, sizeof(policy));
	if (why) {
		fprintf(err, "policytrack user add: the password %s\n", why);
		return 2;
	}
	char hash[PASSWORD_HASH_MAX];
	if (!password_hash(a->password, hash)) {
		fprintf(err, "policytrack user add: hashing the password failed (out of memory)\n");
		return 1;
	}
	const char *values[] = { a->username, a->display_name ? a->display_name : a->username,
		                 a->role,     a->agency,
		                 a->province, hash };
	PGresult *r = run(conn, &sql_user_create, values);
	int rc = 1;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		cli_say_db_error(err, "user add", conn);
	} else if (!refused("user add", r, err)) {
		fprintf(out, "created user %s (%s%s%s%s%s)\n", a->username, a->role,
		        a->agency ? ", agency " : "", a->agency ? a->agency : "",
		        a->province ? ", province " : "", a->province ? a->province : "");
		rc = 0;
	}
	PQclear(r);
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

int
cli_user_list(PGconn *conn, FILE *out, FILE *err)
{
	PGresult *r = run(conn, &sql_cli_user_list, NULL);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		cli_say_db_error(err, "user list", conn);
		PQclear(r);
		return 1;
	}
	fprintf(out, "%-24s %-12s %-8s %-8s %-9s %s\n", "USERNAME", "ROLE", "AGENCY", "PROVINCE",
	        "STATE", "NAME");
	for (int i = 0; i < PQntuples(r); i++)
		fprintf(out, "%-24s %-12s %-8s %-8s %-9s %s\n", PQgetvalue(r, i, 0),
		        PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
		        PQgetvalue(r, i, 4), PQgetvalue(r, i, 5));
	PQclear(r);
	return 0;
}

int
cli_user_set_disabled(PGconn *conn, const char *username, bool disabled, FILE *out, FILE *err)
{
	/* PATCH /api/v1/users/{username} {"disabled": ...}: the same write, the same refusals. */
	const char *values[] = { username, NULL,    NULL, "false",
		                 NULL,     "false", NULL, disabled ? "true" : "false",
		                 NULL };
	const char *what = disabled ? "user disable" : "user enable";
	PGresult *r = run(conn, &sql_user_update, values);
	int rc = 1;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		cli_say_db_error(err, what, conn);
	} else if (!refused(what, r, err)) {
		if (disabled)
			fprintf(out, "disabled user %s; revoked %s token(s)\n", username,
			        PQgetvalue(r, 0, WRITE_EXTRA));
		else
			fprintf(out, "enabled user %s\n", username);
		rc = 0;
	}
	PQclear(r);
	return rc;
}

int
cli_user_passwd(PGconn *conn, const struct cli_user_add *a, long history, FILE *out, FILE *err)
{
	char policy[200];
	const char *why = password_policy_error(a->password, a->rules, policy, sizeof(policy));
	if (why) {
		fprintf(err, "policytrack user passwd: the password %s\n", why);
		return 2;
	}
	const char *who[] = { a->username };
	PGresult *r = run(conn, &sql_password_recent, who);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		cli_say_db_error(err, "user passwd", conn);
		PQclear(r);
		return 1;
	}
	if (PQntuples(r) == 0) {
		fprintf(err, "policytrack user passwd: there is no user '%s'\n", a->username);
		PQclear(r);
		return 1;
	}
	for (int i = 0; history > 0 && i < PQntuples(r); i++)
		if (password_verify(PQgetvalue(r, i, 0), a->password)) {
			fprintf(err,
			        "policytrack user passwd: the password must differ from the user's "
			        "last %ld passwords (the current one included)\n",
			        history);
			PQclear(r);
			return 1;
		}
	PQclear(r);
	char hash[PASSWORD_HASH_MAX];
	if (!password_hash(a->password, hash)) {
		fprintf(err,
		        "policytrack user passwd: hashing the password failed (out of memory)\n");
		return 1;
	}
	/* PATCH /api/v1/users/{username} {"password": ...}: the same write, the same refusals. */
	const char *values[] = {
		a->username, NULL, NULL, "false", NULL, "false", NULL, NULL, hash
	};
	r = run(conn, &sql_user_update, values);
	int rc = 1;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		cli_say_db_error(err, "user passwd", conn);
	} else if (!refused("user passwd", r, err)) {
		fprintf(out, "set the password of %s; revoked %s token(s)\n", a->username,
		        PQgetvalue(r, 0, WRITE_EXTRA));
		rc = 0;
	}
	PQclear(r);
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

/* "30d", "12h", "90m" → seconds; 0 when malformed or over a year. */
static long
parse_ttl(const char *ttl)
{
	size_t n = strlen(ttl);
	if (n < 2)
		return 0;
	char unit = ttl[n - 1];
	long mult = unit == 'd' ? 86400 : unit == 'h' ? 3600 : unit == 'm' ? 60 : 0;
	char number[16];
	if (!mult || n - 1 >= sizeof(number))
		return 0;
	memcpy(number, ttl, n - 1);
	number[n - 1] = '\0';
	int64_t v;
	if (!pt_parse_int64(number, 1, 365L * 86400, &v) || number[0] == '-')
		return 0;
	long seconds = (long)v * mult;
	return seconds <= 365L * 86400 ? seconds : 0;
}

int
cli_token_issue(PGconn *conn, const char *username, const char *ttl, const char *label, FILE *out,
                FILE *err)
{
	long seconds = parse_ttl(ttl ? ttl : "30d");
	if (!seconds) {
		fprintf(err,
		        "policytrack token issue: --ttl '%s' is not like 30d, 12h or 90m "
		        "(at most 365d)\n",
		        ttl);
		return 2;
	}
	char token[TOKEN_TEXT_MAX], hash[TOKEN_HASH_HEX], lifetime[32];
	auth_token_new(token, hash);
	snprintf(lifetime, sizeof(lifetime), "%ld seconds", seconds);
	const char *values[] = { username, hash, label, lifetime };
	PGresult *r = run(conn, &sql_token_issue, values);
	int rc = 1;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		cli_say_db_error(err, "token issue", conn);
	} else if (!refused("token issue", r, err)) {
		/* The token alone on stdout, so scripts can capture it; it is not stored. */
		fprintf(out, "%s\n", token);
		fprintf(err, "issued an automation token for %s, valid until %s\n", username,
		        PQgetvalue(r, 0, WRITE_EXTRA));
		rc = 0;
	}
	PQclear(r);
	sodium_memzero(token, sizeof(token));
	return rc;
}

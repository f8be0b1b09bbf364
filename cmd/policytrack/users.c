#include "users.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "core/password.h"
#include "core/user_rules.h"
#include "core/util.h"

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
	why = password_policy_error(a->password);
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
	PGresult *r = PQexecParams(conn,
	                           "INSERT INTO users (username, display_name, role, agency_code, "
	                           "province_code, password_hash) VALUES ($1, $2, $3, $4, $5, $6)",
	                           6, NULL, values, NULL, NULL, 0);
	int rc = 0;
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		const char *constraint = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
		if (state && strcmp(state, "23505") == 0)
			fprintf(err, "policytrack user add: user '%s' exists already\n",
			        a->username);
		else if (state && strcmp(state, "23503") == 0)
			fprintf(err, "policytrack user add: no such %s '%s'\n",
			        constraint && strstr(constraint, "agency") ? "agency" : "province",
			        constraint && strstr(constraint, "agency") ? a->agency
			                                                   : a->province);
		else
			fprintf(err, "policytrack user add: %s", PQerrorMessage(conn));
		rc = 1;
	} else {
		fprintf(out, "created user %s (%s%s%s%s%s)\n", a->username, a->role,
		        a->agency ? ", agency " : "", a->agency ? a->agency : "",
		        a->province ? ", province " : "", a->province ? a->province : "");
	}
	PQclear(r);
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

int
cli_user_list(PGconn *conn, FILE *out, FILE *err)
{
	PGresult *r =
	    PQexec(conn, "SELECT username, role, coalesce(agency_code, '-'), "
	                 "coalesce(province_code, '-'), "
	                 "CASE WHEN disabled THEN 'disabled' ELSE 'active' END, display_name "
	                 "FROM users ORDER BY username");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(err, "policytrack user list: %s", PQerrorMessage(conn));
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
cli_user_disable(PGconn *conn, const char *username, FILE *out, FILE *err)
{
	const char *values[] = { username };
	PGresult *r = PQexecParams(
	    conn,
	    "WITH u AS (UPDATE users SET disabled = true, updated_at = now() "
	    "WHERE username = $1 RETURNING id), "
	    "t AS (UPDATE tokens SET revoked_at = now() FROM u WHERE tokens.user_id = u.id "
	    "AND revoked_at IS NULL RETURNING tokens.id) "
	    "SELECT (SELECT count(*) FROM u), (SELECT count(*) FROM t)",
	    1, NULL, values, NULL, NULL, 0);
	int rc = 0;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(err, "policytrack user disable: %s", PQerrorMessage(conn));
		rc = 1;
	} else if (strcmp(PQgetvalue(r, 0, 0), "0") == 0) {
		fprintf(err, "policytrack user disable: no user '%s'\n", username);
		rc = 1;
	} else {
		fprintf(out, "disabled user %s; revoked %s token(s)\n", username,
		        PQgetvalue(r, 0, 1));
	}
	PQclear(r);
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
	char token[TOKEN_TEXT_MAX], hash[TOKEN_HASH_HEX], secs[24];
	auth_token_new(token, hash);
	snprintf(secs, sizeof(secs), "%ld", seconds);
	const char *values[] = { username, hash, label, secs };
	PGresult *r = PQexecParams(
	    conn,
	    "WITH u AS (SELECT id, disabled FROM users WHERE username = $1), "
	    "t AS (INSERT INTO tokens (user_id, token_hash, kind, label, expires_at) "
	    "SELECT id, $2, 'automation', $3, now() + $4::int * interval '1 second' FROM u "
	    "WHERE NOT disabled RETURNING expires_at) "
	    "SELECT (SELECT disabled FROM u), (SELECT expires_at FROM t)",
	    4, NULL, values, NULL, NULL, 0);
	int rc = 0;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(err, "policytrack token issue: %s", PQerrorMessage(conn));
		rc = 1;
	} else if (PQgetisnull(r, 0, 0)) {
		fprintf(err, "policytrack token issue: no user '%s'\n", username);
		rc = 1;
	} else if (PQgetisnull(r, 0, 1)) {
		fprintf(err, "policytrack token issue: user '%s' is disabled\n", username);
		rc = 1;
	} else {
		/* The token alone on stdout, so scripts can capture it; it is not stored. */
		fprintf(out, "%s\n", token);
		fprintf(err, "issued an automation token for %s, valid until %s\n", username,
		        PQgetvalue(r, 0, 1));
	}
	PQclear(r);
	sodium_memzero(token, sizeof(token));
	return rc;
}

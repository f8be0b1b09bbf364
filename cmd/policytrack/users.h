/*
 * The CLI's user administration: `policytrack user add|list|disable|enable` and
 * `policytrack token issue`. Blocking libpq and in-process argon2id: CLI only.
 */
#ifndef PT_CLI_USERS_H
#define PT_CLI_USERS_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>

struct password_rules;

struct cli_user_add {
	const char *username, *role, *agency, *province, *display_name, *password;
	const struct password_rules *rules; /* the deployment's (core/password.h) */
};

/* Each returns the exit status: 0, 1 (refused or failed, said on err), 2 (bad arguments). */
int cli_user_add(PGconn *conn, const struct cli_user_add *a, FILE *out, FILE *err);
int cli_user_list(PGconn *conn, FILE *out, FILE *err);
/* Disables (revoking the user's tokens) or enables a user; never the last enabled admin. */
int cli_user_set_disabled(PGconn *conn, const char *username, bool disabled, FILE *out, FILE *err);
/*
 * Sets a->username's password to a->password (the rules, then none of the
 * user's last history passwords) and revokes their tokens, as PATCH
 * /api/v1/users/{username} {"password": ...} does.
 */
int cli_user_passwd(PGconn *conn, const struct cli_user_add *a, long history, FILE *out, FILE *err);

/*
 * Says "policytrack WHAT: <libpq's message>" on err as one line ending in a
 * newline, whatever libpq's message ends with (or if it is empty).
 */
void cli_say_db_error(FILE *err, const char *what, PGconn *conn);

/* ttl like "30d", "12h", "90m" (at most 365 days). Prints the token alone on out. */
int cli_token_issue(PGconn *conn, const char *username, const char *ttl, const char *label,
                    FILE *out, FILE *err);

#endif

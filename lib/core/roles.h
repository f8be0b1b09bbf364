/*
 * Who may call: the five roles, as bits so that a route's access set is one
 * mask, and the identity of an authenticated caller. The database keeps the
 * same names in its `roles` table (migration 0013); GET /readyz answers 503
 * while the two differ.
 */
#ifndef PT_CORE_ROLES_H
#define PT_CORE_ROLES_H

#include <stdbool.h>

enum role {
	ROLE_ADMIN = 1 << 0,
	ROLE_COORDINATOR = 1 << 1,
	ROLE_AGENCY = 1 << 2,
	ROLE_PROVINCE = 1 << 3,
	ROLE_OBSERVER = 1 << 4,
};
#define ROLES_ALL   (ROLE_ADMIN | ROLE_COORDINATOR | ROLE_AGENCY | ROLE_PROVINCE | ROLE_OBSERVER)
#define ROLES_COUNT 5

/* "admin" for ROLE_ADMIN; NULL otherwise. */
const char *role_name(enum role role);
/* ROLE_ADMIN for "admin"; 0 for an unknown name. */
enum role role_from_name(const char *name);
/*
 * "admin, coordinator, ...": every name, in enum order, for messages. Built
 * on the first call, which must not race another (the loop thread, or the CLI).
 */
const char *role_names_listed(void);

/* The hex SHA-256 of a bearer token, with its NUL. */
#define TOKEN_HASH_HEX 65

/* Who is calling, once authenticated. Strings are empty when absent. */
struct caller {
	bool known;
	char user_id[24];
	char username[72];
	char display_name[808];
	enum role role;
	char agency[12];
	char province[8];
	/* The node of the province's organisation tree a provincial office's
	 * user is scoped to (issue 20), by its code; empty: the whole province. */
	char node[72];
	char token_id[24];
	char token_kind[16];
	char token_expires_at[48];
	/* The deployment norms as they apply to this token (sql/definitions/65_norms.sql). */
	bool password_expired;        /* a session whose password is too old: change it first */
	char password_expires_at[48]; /* "" when passwords do not expire */
	long idle_s;                  /* the session ends after this long unused; 0: never */
};

#endif

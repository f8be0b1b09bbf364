/* What makes a username, a role and its scope acceptable: shared by the API and the CLI. */
#ifndef PT_USER_RULES_H
#define PT_USER_RULES_H

#include <stdbool.h>

/* 3-64 of a-z 0-9 . _ -, starting with a letter or digit. */
bool user_username_valid(const char *username);

bool user_agency_code_like(const char *code);
bool user_province_code_like(const char *code);

/* Why role is not a role (NULL when it is): "must be one of admin, ...". */
const char *user_role_error(const char *role);

/*
 * Why role, agency and province do not fit together (NULL when they do);
 * *field names the field to blame.
 */
const char *user_scope_error(const char *role, const char *agency, const char *province,
                             const char **field);

#endif

#include "core/roles.h"

#include <stdio.h>
#include <string.h>

#include "core/util.h"

/*
 * Bit i of enum role is role_names[i]. The only list of the names in the
 * code: the database's `roles` table must hold the same (GET /readyz checks).
 */
static const char *const role_names[ROLES_COUNT] = { "admin", "coordinator", "agency", "province",
	                                             "observer" };

const char *
role_name(enum role role)
{
	for (size_t i = 0; i < PT_ARRAY_LEN(role_names); i++)
		if (role == (enum role)(1u << i))
			return role_names[i];
	return NULL;
}

enum role
role_from_name(const char *name)
{
	for (size_t i = 0; i < PT_ARRAY_LEN(role_names); i++)
		if (strcmp(name, role_names[i]) == 0)
			return (enum role)(1u << i);
	return 0;
}

const char *
role_names_listed(void)
{
	static char text[ROLES_COUNT * 16];
	if (!text[0]) {
		size_t used = 0;
		for (size_t i = 0; i < PT_ARRAY_LEN(role_names); i++)
			used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%s",
			                         i ? ", " : "", role_names[i]);
	}
	return text;
}

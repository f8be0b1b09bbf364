#include "core/roles.h"

#include <string.h>

#include "core/util.h"

/* Bit i of enum role is role_names[i]. */
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

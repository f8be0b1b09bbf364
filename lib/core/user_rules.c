#include "core/user_rules.h"

#include <stdio.h>
#include <string.h>

#include "core/roles.h"

bool
user_username_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 3 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || !strchr("._-", c)))
			return false;
	}
	return true;
}

bool
user_agency_code_like(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > 8)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return false;
	return true;
}

bool
user_province_code_like(const char *s)
{
	return strlen(s) == 5 && strncmp(s, "CN-", 3) == 0 && s[3] >= 'A' && s[3] <= 'Z' &&
	       s[4] >= 'A' && s[4] <= 'Z';
}

const char *
user_role_error(const char *role)
{
	static char why[64 + ROLES_COUNT * 16];
	if (role_from_name(role))
		return NULL;
	if (!why[0])
		snprintf(why, sizeof(why), "must be one of %s", role_names_listed());
	return why;
}

const char *
user_scope_error(const char *role, const char *agency, const char *province, const char **field)
{
	enum role r = role_from_name(role);
	*field = "role";
	if (!r)
		return user_role_error(role);
	*field = "agency";
	if (r == ROLE_AGENCY && !agency)
		return "an agency officer needs an agency";
	if (r == ROLE_PROVINCE && agency)
		return "a provincial office has no agency";
	if (r != ROLE_AGENCY && r != ROLE_PROVINCE && agency)
		return "only agency officers have an agency";
	*field = "province";
	if (r == ROLE_PROVINCE && !province)
		return "a provincial office needs a province";
	if (r != ROLE_AGENCY && r != ROLE_PROVINCE && province)
		return "only agency officers and provincial offices have a province";
	return NULL;
}

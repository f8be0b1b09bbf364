#include "http/router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

static const struct {
	enum http_method method;
	const char *name;
} method_names[] = {
	{ METHOD_GET, "GET" },         { METHOD_HEAD, "HEAD" },   { METHOD_POST, "POST" },
	{ METHOD_PUT, "PUT" },         { METHOD_PATCH, "PATCH" }, { METHOD_DELETE, "DELETE" },
	{ METHOD_OPTIONS, "OPTIONS" },
};

enum http_method
http_method_from_name(const char *name)
{
	for (size_t i = 0; i < PT_ARRAY_LEN(method_names); i++)
		if (strcmp(method_names[i].name, name) == 0)
			return method_names[i].method;
	return 0;
}

const char *
http_method_name(enum http_method method)
{
	for (size_t i = 0; i < PT_ARRAY_LEN(method_names); i++)
		if (method_names[i].method == method)
			return method_names[i].name;
	return NULL;
}

void
http_methods_format(unsigned methods, char *out, size_t outlen)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < PT_ARRAY_LEN(method_names); i++) {
		if (!(methods & method_names[i].method))
			continue;
		int n = snprintf(out + used, outlen - used, "%s%s", used ? ", " : "",
		                 method_names[i].name);
		if (n < 0 || (size_t)n >= outlen - used)
			return;
		used += (size_t)n;
	}
}

/*
 * Matches one route's pattern against path. Returns 1 on a match (params filled),
 * 0 on no match, -1 on a bad path.
 */
static int
match_pattern(const char *pattern, const char *path, struct route_match *m)
{
	const char *p = pattern, *s = path;
	m->nparams = 0;
	while (*p && *s) {
		if (*p != '/' || *s != '/')
			goto no_match;
		p++;
		s++;
		const char *pend = strchr(p, '/');
		size_t plen = pend ? (size_t)(pend - p) : strlen(p);
		const char *send = strchr(s, '/');
		size_t slen = send ? (size_t)(send - s) : strlen(s);
		if (plen >= 2 && p[0] == '{' && p[plen - 1] == '}') {
			if (slen == 0 || m->nparams == ROUTE_MAX_PARAMS)
				goto no_match;
			char *value = pt_percent_decode(s, slen, false);
			if (value && !pt_utf8_valid(value, strlen(value))) {
				free(value);
				value = NULL; /* bytes that are not text cannot name anything */
			}
			if (!value) {
				route_match_clear(m);
				return -1;
			}
			struct route_param *rp = &m->params[m->nparams++];
			rp->name = p + 1;
			rp->name_len = plen - 2;
			rp->value = value;
		} else if (plen != slen || strncmp(p, s, plen) != 0) {
			goto no_match;
		}
		p += plen;
		s += slen;
	}
	if (*p == '\0' && *s == '\0')
		return 1;
no_match:
	route_match_clear(m);
	return 0;
}

enum route_result
router_match(const struct route *routes, size_t nroutes, enum http_method method, const char *path,
             struct route_match *m, unsigned *allowed)
{
	memset(m, 0, sizeof(*m));
	*allowed = 0;
	const struct route *found = NULL;
	for (size_t i = 0; i < nroutes; i++) {
		struct route_match trial;
		memset(&trial, 0, sizeof(trial));
		int r = match_pattern(routes[i].pattern, path, &trial);
		if (r < 0) {
			route_match_clear(m);
			return ROUTE_BAD_PATH;
		}
		if (r == 0)
			continue;
		unsigned route_methods = routes[i].method;
		if (route_methods & METHOD_GET)
			route_methods |= METHOD_HEAD;
		*allowed |= route_methods;
		if (!found && (route_methods & method)) {
			found = &routes[i];
			*m = trial;
			m->route = found;
		} else {
			route_match_clear(&trial);
		}
	}
	if (found)
		return ROUTE_FOUND;
	return *allowed ? ROUTE_METHOD_NOT_ALLOWED : ROUTE_NOT_FOUND;
}

void
route_match_clear(struct route_match *m)
{
	for (int i = 0; i < m->nparams; i++) {
		free(m->params[i].value);
		m->params[i].value = NULL;
	}
	m->nparams = 0;
}

const char *
route_match_param(const struct route_match *m, const char *name)
{
	size_t len = strlen(name);
	for (int i = 0; i < m->nparams; i++)
		if (m->params[i].name_len == len && strncmp(m->params[i].name, name, len) == 0)
			return m->params[i].value;
	return NULL;
}

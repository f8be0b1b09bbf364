#include "pg/conninfo_hosts.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Elements of a comma-separated list ("" or NULL: none). */
static size_t
list_len(const char *list)
{
	if (!list || !*list)
		return 0;
	size_t n = 1;
	for (const char *p = list; *p; p++)
		n += *p == ',';
	return n;
}

/* The i-th element of a list, into dst; "" when the list is empty. */
static void
list_item(const char *list, size_t i, char *dst, size_t dstlen)
{
	dst[0] = '\0';
	if (!list || !*list)
		return;
	const char *p = list;
	for (; i > 0; i--) {
		p = strchr(p, ',');
		if (!p)
			return;
		p++;
	}
	size_t len = strcspn(p, ",");
	snprintf(dst, dstlen, "%.*s", (int)len, p);
}

/* Appends key='value' to buf, quoted as libpq reads it (backslash before ' and \). */
static void
append_setting(char **buf, size_t *len, const char *key, const char *value)
{
	size_t need = strlen(key) + 2 * strlen(value) + 5;
	*buf = realloc(*buf, *len + need);
	if (!*buf)
		abort();
	char *p = *buf + *len;
	if (*len)
		*p++ = ' ';
	p += sprintf(p, "%s='", key);
	for (const char *v = value; *v; v++) {
		if (*v == '\'' || *v == '\\')
			*p++ = '\\';
		*p++ = *v;
	}
	*p++ = '\'';
	*p = '\0';
	*len = (size_t)(p - *buf);
}

static const char *
option(const PQconninfoOption *opts, const char *key)
{
	for (const PQconninfoOption *o = opts; o->keyword; o++)
		if (strcmp(o->keyword, key) == 0)
			return o->val;
	return NULL;
}

bool
conninfo_hosts_split(const char *conninfo, struct conninfo_host **out, size_t *n, char *err,
                     size_t errlen)
{
	*out = NULL;
	*n = 0;
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &perr);
	if (!opts) {
		snprintf(err, errlen, "%s", perr ? perr : "out of memory");
		/* libpq's messages end in a newline. */
		err[strcspn(err, "\n")] = '\0';
		PQfreemem(perr);
		return false;
	}
	const char *host = option(opts, "host"), *hostaddr = option(opts, "hostaddr"),
	           *port = option(opts, "port");
	size_t hosts = list_len(host), addrs = list_len(hostaddr), ports = list_len(port);
	size_t count = hosts > addrs ? hosts : addrs;
	bool ok = false;
	struct conninfo_host *list = NULL;
	if (count == 0)
		count = 1;
	if (hosts && addrs && hosts != addrs) {
		snprintf(err, errlen, "%zu hosts but %zu hostaddrs", hosts, addrs);
		goto done;
	}
	if (ports > 1 && ports != count) {
		snprintf(err, errlen, "%zu servers but %zu ports", count, ports);
		goto done;
	}
	if (count > CONNINFO_HOSTS_MAX) {
		snprintf(err, errlen, "%zu servers: at most %d", count, CONNINFO_HOSTS_MAX);
		goto done;
	}
	list = xcalloc(count, sizeof(*list));
	for (size_t i = 0; i < count; i++) {
		char h[256], a[256], p[32];
		list_item(host, i, h, sizeof(h));
		list_item(hostaddr, i, a, sizeof(a));
		list_item(port, ports > 1 ? i : 0, p, sizeof(p));
		list[i].label = xasprintf("%s:%s", *h ? h : *a ? a : "(default)", *p ? p : "5432");
		if (count == 1) {
			list[i].conninfo = xstrdup(conninfo);
			continue;
		}
		char *buf = NULL;
		size_t len = 0;
		for (const PQconninfoOption *o = opts; o->keyword; o++) {
			if (!o->val || strcmp(o->keyword, "host") == 0 ||
			    strcmp(o->keyword, "hostaddr") == 0 || strcmp(o->keyword, "port") == 0)
				continue;
			append_setting(&buf, &len, o->keyword, o->val);
		}
		if (*h)
			append_setting(&buf, &len, "host", h);
		if (*a)
			append_setting(&buf, &len, "hostaddr", a);
		if (*p)
			append_setting(&buf, &len, "port", p);
		list[i].conninfo = buf ? buf : xstrdup("");
	}
	*out = list;
	*n = count;
	ok = true;
done:
	PQconninfoFree(opts);
	return ok;
}

void
conninfo_hosts_free(struct conninfo_host *hosts, size_t n)
{
	if (!hosts)
		return;
	for (size_t i = 0; i < n; i++) {
		free(hosts[i].conninfo);
		free(hosts[i].label);
	}
	free(hosts);
}

#include <string.h>

#include "pg/conninfo_hosts.h"
#include "tap.h"

int
main(void)
{
	struct conninfo_host *h;
	size_t n;
	char err[200];

	CHECK(conninfo_hosts_split("host=127.0.0.1 port=7432 dbname=policytrack", &h, &n, err,
	                           sizeof(err)),
	      "one host parses");
	CHECK(n == 1 && strcmp(h[0].conninfo, "host=127.0.0.1 port=7432 dbname=policytrack") == 0,
	      "one host is kept as given");
	CHECK(strcmp(h[0].label, "127.0.0.1:7432") == 0, "its label is host:port");
	conninfo_hosts_free(h, n);

	CHECK(conninfo_hosts_split("host=10.0.0.5,db2.example port=5433,5434 dbname=policytrack "
	                           "user=app password='it\\'s \\\\ secret'",
	                           &h, &n, err, sizeof(err)),
	      "two hosts parse");
	CHECK(n == 2, "two servers");
	CHECK(strcmp(h[0].label, "10.0.0.5:5433") == 0 &&
	          strcmp(h[1].label, "db2.example:5434") == 0,
	      "each labelled by its host and port");
	CHECK(strstr(h[1].conninfo, "host='db2.example'") && strstr(h[1].conninfo, "port='5434'") &&
	          strstr(h[1].conninfo, "dbname='policytrack'") &&
	          strstr(h[1].conninfo, "user='app'"),
	      "each keeps the shared settings with its own host and port");
	CHECK(!strstr(h[0].label, "secret") && !strstr(h[1].label, "secret"),
	      "no password in a label");
	/* The rebuilt string says the same to libpq: the password survives its quoting. */
	struct conninfo_host *again;
	size_t m;
	CHECK(conninfo_hosts_split(h[0].conninfo, &again, &m, err, sizeof(err)) && m == 1,
	      "a part parses again");
	conninfo_hosts_free(again, m);
	CHECK(strstr(h[0].conninfo, "password='it\\'s \\\\ secret'") != NULL, "quotes escaped");
	conninfo_hosts_free(h, n);

	CHECK(conninfo_hosts_split("postgresql://a:1,b:2,c:3/policytrack", &h, &n, err,
	                           sizeof(err)) &&
	          n == 3 && strcmp(h[2].label, "c:3") == 0,
	      "a URI's hosts split too");
	conninfo_hosts_free(h, n);

	CHECK(conninfo_hosts_split("host=a,b port=5432 dbname=x", &h, &n, err, sizeof(err)) &&
	          n == 2 && strcmp(h[1].label, "b:5432") == 0,
	      "one port serves every host");
	conninfo_hosts_free(h, n);

	CHECK(!conninfo_hosts_split("host=a,b port=1,2,3", &h, &n, err, sizeof(err)) &&
	          strstr(err, "3 ports"),
	      "ports that do not match the hosts are refused");
	CHECK(!conninfo_hosts_split("nonsense", &h, &n, err, sizeof(err)) && *err,
	      "what libpq cannot parse is refused with its reason");
	CHECK(!conninfo_hosts_split("host=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", &h, &n, err,
	                            sizeof(err)),
	      "at most CONNINFO_HOSTS_MAX");
	CHECK(conninfo_hosts_split("dbname=policytrack", &h, &n, err, sizeof(err)) && n == 1 &&
	          strcmp(h[0].label, "(default):5432") == 0,
	      "no host: one server, libpq's default");
	conninfo_hosts_free(h, n);
	return tap_done();
}

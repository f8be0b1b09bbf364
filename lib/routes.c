#include "routes.h"

#include "api_ops.h"

/*
 * Order matters only between patterns that could match the same path: the
 * first route whose pattern and method match wins. api/openapi.yaml must list
 * exactly these (a test compares them).
 */
const struct route routes[] = {
	{ METHOD_GET, "/healthz", api_ops_healthz },
	{ METHOD_GET, "/readyz", api_ops_readyz },
	{ METHOD_GET, "/metrics", api_ops_metrics },
};

const size_t routes_count = sizeof(routes) / sizeof(routes[0]);

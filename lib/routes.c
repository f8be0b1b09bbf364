#include "routes.h"

#include "api_catalogue.h"
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
	{ METHOD_GET, "/api/v1/agencies", api_agencies_list },
	{ METHOD_GET, "/api/v1/agencies/{code}", api_agencies_get },
	{ METHOD_GET, "/api/v1/provinces", api_provinces_list },
	{ METHOD_GET, "/api/v1/provinces/{code}", api_provinces_get },
	{ METHOD_GET, "/api/v1/documents", api_documents_list },
	{ METHOD_GET, "/api/v1/documents/{id}", api_documents_get },
	{ METHOD_GET, "/api/v1/measures", api_measures_list },
	{ METHOD_GET, "/api/v1/measures/{code}", api_measures_get },
	{ METHOD_GET, "/api/v1/tasks", api_tasks_list },
	{ METHOD_GET, "/api/v1/tasks/{id}", api_tasks_get },
};

const size_t routes_count = sizeof(routes) / sizeof(routes[0]);

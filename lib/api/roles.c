#include "api/roles.h"

#include "api/params.h"
#include "api/read.h"
#include "http/server.h"
#include "pg/sql_names.h"

void
api_roles_list(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, NULL, 0, &q))
		return;
	api_read_object(ctx, &sql_role_list, NULL, "roles", "");
}

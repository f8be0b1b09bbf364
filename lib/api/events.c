#include "api/events.h"

#include "api/params.h"
#include "api/read.h"
#include "http/server.h"

/* An event `e` with its actor `u` (LEFT JOINed) named, not just numbered. */
#define SQL_EVENT_JSON                                                                             \
	"json_build_object('id', e.id, 'at', e.at, 'actor', CASE WHEN u.id IS NULL THEN NULL "     \
	"ELSE json_build_object('username', u.username, 'display_name', u.display_name, "          \
	"'role', u.role) END, 'subject_type', e.subject_type, 'subject_id', e.subject_id, "        \
	"'kind', e.kind, 'changes', e.changes, 'note', e.note, 'hash', e.hash)"

static const struct api_param page_params[] = {
	{ "limit", PARAM_LIMIT },
	{ "cursor", PARAM_CURSOR },
	{ "after", PARAM_AFTER },
};

void
api_task_events(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, page_params, PT_ARRAY_LEN(page_params), &q))
		return;
	const char *values[] = { route_match_param(&ctx->match, "id"), api_query_after(&q),
		                 q.limit_text };
	api_read_page(
	    ctx, &q,
	    SQL_PAGE("SELECT e.id AS k, " SQL_EVENT_JSON " AS j FROM events e "
	             "LEFT JOIN users u ON u.id = e.actor_id "
	             "WHERE e.subject_type = 'task' AND e.subject_id = (CASE WHEN $1 ~ "
	             "'^[0-9]{1,18}$' THEN $1::bigint END) "
	             "AND ($2::bigint IS NULL OR e.id > $2) ORDER BY e.id LIMIT $3::int + 1",
	             "$3::int",
	             "(SELECT '404:task:' || $1 WHERE NOT EXISTS (SELECT 1 FROM tasks "
	             "WHERE id = (CASE WHEN $1 ~ '^[0-9]{1,18}$' THEN $1::bigint END)))"),
	    3, values);
}

void
api_events_feed(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, page_params, PT_ARRAY_LEN(page_params), &q))
		return;
	const char *values[] = { api_query_after(&q), q.limit_text };
	api_read_page(
	    ctx, &q,
	    SQL_PAGE("SELECT e.id AS k, " SQL_EVENT_JSON " AS j FROM events e "
	             "LEFT JOIN users u ON u.id = e.actor_id "
	             "WHERE $1::bigint IS NULL OR e.id > $1 ORDER BY e.id LIMIT $2::int + 1",
	             "$2::int", "NULL::text"),
	    2, values);
}

void
api_task_statuses(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, NULL, 0, &q))
		return;
	api_read_object(
	    ctx,
	    "SELECT json_build_object("
	    "'statuses', (SELECT json_agg(json_build_object('status', status, "
	    "'label_en', label_en, 'label_zh', label_zh) ORDER BY sort_order) "
	    "FROM task_statuses), "
	    "'transitions', (SELECT json_agg(json_build_object('from', tr.from_status, "
	    "'to', tr.to_status, 'roles', tr.roles, 'note_required', tr.note_required, "
	    "'sets_progress', tr.sets_progress, 'description_en', tr.description_en) "
	    "ORDER BY f.sort_order, t.sort_order) FROM task_transitions tr "
	    "JOIN task_statuses f ON f.status = tr.from_status "
	    "JOIN task_statuses t ON t.status = tr.to_status), "
	    "'rag_rules', json_build_object("
	    "'red', 'blocked, or past its due date and not completed or verified', "
	    "'amber', 'due within 30 days with progress under 50, or not updated for 90 "
	    "days, while not completed or verified', 'green', 'otherwise', "
	    "'override', 'a coordinator may set the rating, with a rationale; "
	    "the answer shows derived, override and effective')"
	    ")::text WHERE $1::text IS NOT NULL",
	    "workflow", "statuses");
}

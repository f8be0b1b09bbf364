#include "api/catalogue.h"
#include "api/catalogue_sql.h"
#include "api/params.h"
#include "api/read.h"
#include "http/server.h"

static const struct api_param list_params[] = {
	{ "limit", PARAM_LIMIT },
	{ "cursor", PARAM_CURSOR },
};

/* A document `d` with its issuers and recipients named. */
#define SQL_DOCUMENT_JSON                                                                          \
	"json_build_object('id', d.id, 'code', d.code, 'title_zh', d.title_zh, "                   \
	"'title_en', d.title_en, 'signed_on', d.signed_on, 'published_on', d.published_on, "       \
	"'issuers', (SELECT json_agg(" SQL_AGENCY_REF " ORDER BY array_position(d.issuers, "       \
	"a.code)) FROM agencies a WHERE a.code = ANY (d.issuers)), "                               \
	"'recipients', (SELECT json_agg(" SQL_PROVINCE_REF " ORDER BY array_position("             \
	"d.recipients, p.code)) FROM provinces p WHERE p.code = ANY (d.recipients)), "             \
	"'measures', (SELECT count(*) FROM measures m WHERE m.document_id = d.id), "               \
	"'tasks', (SELECT count(*) FROM tasks t JOIN measures m ON m.id = t.measure_id "           \
	"WHERE m.document_id = d.id))"

void
api_documents_list(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, list_params, PT_ARRAY_LEN(list_params), &q))
		return;
	const char *values[] = { api_query_after(&q), q.limit_text };
	api_read_page(ctx, &q,
	              SQL_PAGE("SELECT d.id::bigint AS k, " SQL_DOCUMENT_JSON " AS j "
	                       "FROM documents d WHERE $1::bigint IS NULL OR d.id > $1 "
	                       "ORDER BY d.id LIMIT $2::int + 1",
	                       "$2::int", "NULL::text"),
	              2, values);
}

/* Counts of a section `x` (a chapter counts the measures of its parts). */
#define SQL_SECTION_COUNTS                                                                         \
	"'measures', (SELECT count(*) FROM measures m JOIN sections ms ON ms.id = m.section_id "   \
	"WHERE ms.id = x.id OR ms.parent_id = x.id), "                                             \
	"'tasks', (SELECT count(*) FROM tasks t JOIN measures m ON m.id = t.measure_id "           \
	"JOIN sections ms ON ms.id = m.section_id WHERE ms.id = x.id OR ms.parent_id = x.id)"

void
api_documents_get(struct http_ctx *ctx)
{
	struct api_query q;
	if (!api_query_parse(ctx, NULL, 0, &q))
		return;
	/* {id} is the numeric id or the document's code. */
	api_read_object(ctx,
	                "SELECT (" SQL_DOCUMENT_JSON "::jsonb || jsonb_build_object("
	                "'preamble_zh', d.preamble_zh, 'preamble_en', d.preamble_en, "
	                "'source_url', d.source_url, "
	                "'sections', (SELECT jsonb_agg(jsonb_build_object('code', x.code, "
	                "'chapter', x.chapter, 'title_zh', x.title_zh, 'title_en', x.title_en, "
	                "'body_zh', x.body_zh, 'body_en', x.body_en, " SQL_SECTION_COUNTS ", "
	                "'parts', (SELECT coalesce(jsonb_agg(jsonb_build_object('code', x.code, "
	                "'part', x.part, 'title_zh', x.title_zh, 'title_en', x.title_en, "
	                "'body_zh', x.body_zh, 'body_en', x.body_en, " SQL_SECTION_COUNTS ") "
	                "ORDER BY x.sort_order), '[]') FROM sections x WHERE x.parent_id = c.id)) "
	                "ORDER BY c.sort_order) FROM sections c "
	                "CROSS JOIN LATERAL (SELECT c.*) AS x "
	                "WHERE c.document_id = d.id AND c.parent_id IS NULL)))::text "
	                "FROM documents d WHERE d.id::text = $1 OR d.code = $1",
	                "document", route_match_param(&ctx->match, "id"));
}

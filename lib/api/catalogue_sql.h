/*
 * JSON shapes of the catalogue, built by PostgreSQL (json_build_object), so
 * that a read is one statement and the C side only passes text through.
 * Shared between list and detail queries of one resource.
 */
#ifndef PT_API_CATALOGUE_SQL_H
#define PT_API_CATALOGUE_SQL_H

/* An agency row `a` as JSON, with its measure and task counts. */
#define SQL_AGENCY_JSON                                                                            \
	"json_build_object('code', a.code, 'name_zh', a.name_zh, 'full_name_zh', a.full_name_zh, " \
	"'name_en', a.name_en, 'abbr_en', a.abbr_en, "                                             \
	"'successor', CASE WHEN a.successor_name_zh IS NULL THEN NULL ELSE json_build_object("     \
	"'name_zh', a.successor_name_zh, 'name_en', a.successor_name_en, "                         \
	"'abbr_en', a.successor_abbr_en) END, "                                                    \
	"'remit_en', a.remit_en, "                                                                 \
	"'measures', json_build_object("                                                           \
	"'lead', (SELECT count(*) FROM measure_agencies ma WHERE ma.agency_code = a.code "         \
	"AND ma.role = 'lead'), "                                                                  \
	"'support', (SELECT count(*) FROM measure_agencies ma WHERE ma.agency_code = a.code "      \
	"AND ma.role = 'support')), "                                                              \
	"'tasks', (SELECT count(*) FROM tasks t WHERE t.agency_code = a.code))"

/* A province row `p` as JSON, with counts. */
#define SQL_PROVINCE_JSON                                                                          \
	"json_build_object('code', p.code, 'name_zh', p.name_zh, 'short_zh', p.short_zh, "         \
	"'name_en', p.name_en, "                                                                   \
	"'measures', (SELECT count(*) FROM measure_provinces mp WHERE mp.province_code = "         \
	"p.code), "                                                                                \
	"'tasks', (SELECT count(*) FROM tasks t WHERE t.province_code = p.code))"

/* A small {code, name_zh, name_en} reference to an agency `a` or province `p`. */
#define SQL_AGENCY_REF                                                                             \
	"json_build_object('code', a.code, 'name_zh', a.name_zh, 'name_en', a.name_en)"
#define SQL_PROVINCE_REF                                                                           \
	"json_build_object('code', p.code, 'name_zh', p.name_zh, 'name_en', p.name_en)"

/* A measure `m` in section `s` as JSON; detail adds rationales and the tasks. */
#define SQL_MEASURE_JSON(detail)                                                                   \
	"json_build_object('code', m.code, 'section', s.code, 'chapter', s.chapter, "              \
	"'part', s.part, 'item', m.item, 'text_zh', m.text_zh, 'text_en', m.text_en, "             \
	"'joint', m.joint, "                                                                       \
	"'agencies', (SELECT json_agg(json_build_object('code', a.code, 'name_zh', a.name_zh, "    \
	"'name_en', a.name_en, 'role', ma.role" detail(                                            \
	    ", 'rationale', ma.rationale") ") "                                                    \
	                                   "ORDER BY ma.role <> 'lead', a.sort_order) "            \
	                                   "FROM measure_agencies ma JOIN agencies a ON a.code = " \
	                                   "ma.agency_code "                                       \
	                                   "WHERE ma.measure_id = m.id), "                         \
	                                   "'provinces', (SELECT "                                 \
	                                   "json_agg(json_build_object('code', p.code, "           \
	                                   "'name_zh', p.name_zh, "                                \
	                                   "'name_en', p.name_en" detail(                          \
	                                       ", 'rationale', mp.rationale") ") ORDER BY "        \
	                                                                      "p.sort_order) "     \
	                                                                      "FROM "              \
	                                                                      "measure_provinces " \
	                                                                      "mp JOIN provinces " \
	                                                                      "p ON p.code = "     \
	                                                                      "mp.province_code "  \
	                                                                      "WHERE "             \
	                                                                      "mp.measure_id = "   \
	                                                                      "m.id), "            \
	                                                                      "'localities', "     \
	                                                                      "(SELECT "           \
	                                                                      "coalesce(json_agg(" \
	                                                                      "json_build_object(" \
	                                                                      "'name_zh', "        \
	                                                                      "l.name_zh, "        \
	                                                                      "'name_en', "        \
	                                                                      "l.name_en, "        \
	                                                                      "'kind', l.kind, "   \
	                                                                      "'province', "       \
	                                                                      "l.province_"        \
	                                                                      "code" detail(       \
	                                                                          ", "             \
	                                                                          "'rat"           \
	                                                                          "iona"           \
	                                                                          "le',"           \
	                                                                          " ml."           \
	                                                                          "rati"           \
	                                                                          "onal"           \
	                                                                          "e") ") ORDER "  \
	                                                                               "BY "       \
	                                                                               "l.sort_"   \
	                                                                               "order), "  \
	                                                                               "'[]') "    \
	                                                                               "FROM "     \
	                                                                               "measure_"  \
	                                                                               "localitie" \
	                                                                               "s ml "     \
	                                                                               "JOIN "     \
	                                                                               "localitie" \
	                                                                               "s l ON "   \
	                                                                               "l.id = "   \
	                                                                               "ml."       \
	                                                                               "locality_" \
	                                                                               "id "       \
	                                                                               "WHERE "    \
	                                                                               "ml."       \
	                                                                               "measure_"  \
	                                                                               "id = "     \
	                                                                               "m.id), "   \
	                                                                               "'task_"    \
	                                                                               "count', "  \
	                                                                               "(SELECT "  \
	                                                                               "count(*) " \
	                                                                               "FROM "     \
	                                                                               "tasks t "  \
	                                                                               "WHERE "    \
	                                                                               "t."        \
	                                                                               "measure_"  \
	                                                                               "id = "     \
	                                                                               "m."        \
	                                                                               "id"        \
	                                                                               ")" detail( \
	                                                                                   ", "    \
	                                                                                   "'task" \
	                                                                                   "s', "  \
	                                                                                   "(SELE" \
	                                                                                   "CT "   \
	                                                                                   "coale" \
	                                                                                   "sce("  \
	                                                                                   "json_" \
	                                                                                   "agg("  \
	                                                                                   "json_" \
	                                                                                   "build" \
	                                                                                   "_obje" \
	                                                                                   "ct('"  \
	                                                                                   "id', " \
	                                                                                   "t.id," \
	                                                                                   " "     \
	                                                                                   "'agen" \
	                                                                                   "cy', " \
	                                                                                   "t."    \
	                                                                                   "agenc" \
	                                                                                   "y_"    \
	                                                                                   "code," \
	                                                                                   " '"    \
	                                                                                   "provi" \
	                                                                                   "nce'," \
	                                                                                   " t."   \
	                                                                                   "provi" \
	                                                                                   "nce_"  \
	                                                                                   "code," \
	                                                                                   " '"    \
	                                                                                   "role'" \
	                                                                                   ", "    \
	                                                                                   "t."    \
	                                                                                   "role," \
	                                                                                   " "     \
	                                                                                   "'stat" \
	                                                                                   "us', " \
	                                                                                   "t."    \
	                                                                                   "statu" \
	                                                                                   "s, "   \
	                                                                                   "'prog" \
	                                                                                   "ress'" \
	                                                                                   ", "    \
	                                                                                   "t."    \
	                                                                                   "progr" \
	                                                                                   "ess) " \
	                                                                                   "ORDER" \
	                                                                                   " BY "  \
	                                                                                   "t.id)" \
	                                                                                   ", "    \
	                                                                                   "'[]')" \
	                                                                                   " "     \
	                                                                                   "FROM " \
	                                                                                   "tasks" \
	                                                                                   " t "   \
	                                                                                   "WHERE" \
	                                                                                   " t."   \
	                                                                                   "measu" \
	                                                                                   "re_"   \
	                                                                                   "id = " \
	                                                                                   "m."    \
	                                                                                   "id)") ")"

#define SQL_WITH(x)    x
#define SQL_WITHOUT(x) ""

/* A task's effective RAG rating: the coordinator's override, else the derived one. */
#define SQL_TASK_RAG_DERIVED "task_rag_derived(t.status, t.progress, t.due_date, t.updated_at)"
#define SQL_TASK_RAG         "coalesce(t.rag_override, " SQL_TASK_RAG_DERIVED ")"

/*
 * Whether the caller (role, agency, province: SQL parameter tokens such as
 * "$11::text") may change task `t`: coordinators any, agency officers their
 * agency's (in their province, when bound to one). The same rule as in
 * task_update(), for telling clients what they may do.
 */
#define SQL_TASK_IN_SCOPE(role, agency, province)                                                  \
	"(" role " = 'coordinator' OR (" role " = 'agency' AND t.agency_code = " agency            \
	" AND (" province " IS NULL OR t.province_code = " province ")))"

/* A task `t` of measure `m` (section `s`), agency `a` and province `p`, for a caller. */
#define SQL_TASK_JSON(detail, role, agency, province)                                              \
	"json_build_object('id', t.id, 'measure', m.code, 'section', s.code, "                     \
	"'agency', " SQL_AGENCY_REF ", 'province', " SQL_PROVINCE_REF ", "                         \
	"'role', t.role, 'status', t.status, 'progress', t.progress, 'due_date', t.due_date, "     \
	"'overdue', task_overdue(t.status, t.due_date), "                                          \
	"'rag', json_build_object('derived', " SQL_TASK_RAG_DERIVED ", "                           \
	"'override', CASE WHEN t.rag_override IS NULL THEN NULL ELSE json_build_object("           \
	"'rating', t.rag_override, 'rationale', t.rag_override_rationale, "                        \
	"'at', t.rag_override_at) END, 'effective', " SQL_TASK_RAG "), "                           \
	"'last_note', t.last_note, 'evidence', t.evidence, "                                       \
	"'version', t.version, 'etag', '\"' || t.version || '\"', 'updated_at', t.updated_at, "    \
	"'allowed_transitions', (SELECT coalesce(json_agg(tr.to_status ORDER BY ts.sort_order), "  \
	"'[]') FROM task_transitions tr JOIN task_statuses ts ON ts.status = tr.to_status "        \
	"WHERE tr.from_status = t.status AND " role " = ANY (tr.roles) AND " SQL_TASK_IN_SCOPE(    \
	    role, agency, province) ")" detail(", 'measure_text_zh', m.text_zh, "                  \
	                                       "'measure_text_en', m.text_en") ")"

#define SQL_TASK_JOINS                                                                             \
	"JOIN measures m ON m.id = t.measure_id JOIN sections s ON s.id = m.section_id "           \
	"JOIN agencies a ON a.code = t.agency_code JOIN provinces p ON p.code = t.province_code "
#define SQL_TASK_FROM "FROM tasks t " SQL_TASK_JOINS

#endif

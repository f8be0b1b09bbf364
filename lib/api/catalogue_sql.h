/*
 * What is left of the task JSON shapes as C macros, for lib/api/tasks.c until
 * its statements move to sql/ (the shapes are already fragments there:
 * sql/fragments/task_*.sql, agency_ref, province_ref); then this header goes.
 */
#ifndef PT_API_CATALOGUE_SQL_H
#define PT_API_CATALOGUE_SQL_H

/* A small {code, name_zh, name_en} reference to an agency `a` or province `p`. */
#define SQL_AGENCY_REF                                                                             \
	"json_build_object('code', a.code, 'name_zh', a.name_zh, 'name_en', a.name_en)"
#define SQL_PROVINCE_REF                                                                           \
	"json_build_object('code', p.code, 'name_zh', p.name_zh, 'name_en', p.name_en)"

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

-- The overdue tasks (GET /api/v1/dashboard/overdue), the longest overdue first.
-- $1 agency text: only this agency's tasks (NULL: every agency's)
-- $2 province text: only this province's tasks (NULL: every province's)
-- $3 section text: only the tasks of this chapter or part (NULL: all)
-- $4 as_of date: the tasks overdue at the end of this day, counted from it (NULL: today)
-- $5 document text: only the tasks of this document, by its code (NULL: every document's)
-- returns: the answer's JSON; the filter that names nothing ('document', 'agency', 'province', 'section'), a section ambiguous or not in the document, or NULL
WITH f AS (
    {{dashboard_tasks}}
)
SELECT json_build_object('rows', (
           SELECT coalesce(json_agg(json_build_object('task', f.id,
                                                      'document', d.code,
                                                      'measure', f.measure_code,
                                                      'agency', f.agency_code,
                                                      'agency_zh', a.name_zh,
                                                      'province', f.province_code,
                                                      'province_zh', p.name_zh,
                                                      'status', f.status,
                                                      'progress', f.progress,
                                                      'due_date', f.due_date,
                                                      'days_overdue', coalesce($4::date, current_date) - f.due_date,
                                                      'last_note', f.last_note)
                                    ORDER BY coalesce($4::date, current_date) - f.due_date DESC, f.id),
                           '[]')
           FROM f
           JOIN documents d ON d.id = f.document_id
           JOIN agencies a ON a.code = f.agency_code
           JOIN provinces p ON p.code = f.province_code
           WHERE f.is_overdue))::text,
       {{dashboard_unknown_filter}}

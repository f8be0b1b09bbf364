-- GET /api/v1/dashboard/matrix joined from the rows kept with every change (dashboard_matrix_rows, definitions/15_dashboard_aggregates.sql) instead of built from the tasks; the same answer as dashboard_matrix, which the daemon sends instead when this one has none.
-- $1 agency text: only this agency's tasks (NULL: every agency's)
-- $2 province text: only this province's tasks (NULL: every province's)
-- $3 section text: only the measures of this chapter or part (NULL: all)
-- $4 as_of date: the tasks as they stood at the end of this day (NULL: now)
-- $5 document text: only this document's measures and provinces, by its code (NULL: every document's)
-- returns: the answer's JSON, NULL when the rows cannot answer (an as_of day, a session in another zone than dashboard_zone's, an agency or province filter, a document whose measures name fewer provinces than the catalogue has: dashboard_matrix scans then); the filter that names nothing ('document', 'agency', 'province', 'section'), a section ambiguous or not in the document, or NULL
/* The kept rows hold the cells of every task in every province: they answer when
   no filter takes tasks out of a cell or columns out of a row. */
WITH usable AS (
    SELECT dashboard_counts_usable($4::date)
           AND $4::date IS NULL
           AND $1::text IS NULL
           AND $2::text IS NULL
           AND ($5::text IS NULL
                OR NOT EXISTS (SELECT 1
                               FROM provinces p
                               WHERE p.code NOT IN (SELECT province_code
                                                    FROM document_provinces
                                                    WHERE document_id = (SELECT id FROM documents WHERE code = $5))))
           AS yes
),
/* A row past its day (a rating in it has turned since it was kept) is
   rebuilt from its tasks' parts for today. */
r AS (
    SELECT x.document_id,
           x.sort_order,
           CASE WHEN x.computed_on <= current_date AND (x.turns_on IS NULL OR x.turns_on > current_date)
                THEN x.row_json
                ELSE (dashboard_matrix_row(x.measure_id, current_date)).row_json END AS j
    FROM dashboard_matrix_rows x
    WHERE (SELECT yes FROM usable)
      AND ($3::text IS NULL OR x.section_id IN (SELECT s.id FROM sections s WHERE s.code = $3 OR s.code LIKE $3 || '.%'))
      AND ($5::text IS NULL OR x.document_id = (SELECT id FROM documents WHERE code = $5))
)
/* Written out as json_build_object() and json_agg() write them: the rows are
   JSON text already, and parsing megabytes again would cost what the scan
   does. */
SELECT CASE WHEN (SELECT yes FROM usable) THEN
           '{"provinces" : '
           || (SELECT coalesce(json_agg(p.code ORDER BY p.sort_order), '[]') FROM provinces p)::text
           || ', "rows" : '
           || coalesce('[' || (SELECT string_agg(j, ', ' ORDER BY document_id, sort_order) FROM r) || ']', '[]')
           || '}' END,
       {{dashboard_unknown_filter}}

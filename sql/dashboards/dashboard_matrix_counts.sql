-- GET /api/v1/dashboard/matrix joined from the rows kept with every change (dashboard_matrix_rows, definitions/15_dashboard_aggregates.sql) instead of built from the tasks; the same answer as dashboard_matrix, which the daemon sends instead when this one has none.
-- $1 agency text: only this agency's tasks (NULL: every agency's)
-- $2 province text: only this province's tasks (NULL: every province's)
-- $3 section text: only the measures of this chapter or part (NULL: all)
-- $4 as_of date: the tasks as they stood at the end of this day (NULL: now)
-- $5 document text: only this document's measures and provinces, by its code (NULL: every document's)
-- $6 after bigint: the cursor's key (the last row's document_id * 10^7 + its measure's sort_order), NULL for the first page
-- $7 limit int: the page size, NULL for every row (the CSV)
-- returns: the page's JSON (provinces and rows; the daemon adds limit and next), NULL when the rows cannot answer (an as_of day, a session in another zone than dashboard_zone's, an agency or province filter, a document whose measures name fewer provinces than the catalogue has: dashboard_matrix scans then); the filter that names nothing ('document', 'agency', 'province', 'section'), a section ambiguous or not in the document, or NULL; the next page's key, NULL on the last page
-- plans: one per filter set
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
   rebuilt from its tasks' parts for today. A page is read in the index's
   order from the cursor on, so its cost does not grow with the measures;
   one row more than the page says whether another follows. */
r AS (
    SELECT x.document_id::bigint * 10000000 + x.sort_order AS k,
           CASE WHEN x.computed_on <= current_date AND (x.turns_on IS NULL OR x.turns_on > current_date)
                THEN x.row_json
                ELSE (dashboard_matrix_row(x.measure_id, current_date)).row_json END AS j
    FROM dashboard_matrix_rows x
    WHERE (SELECT yes FROM usable)
      AND ($3::text IS NULL OR x.section_id IN (SELECT s.id FROM sections s WHERE s.code = $3 OR s.code LIKE $3 || '.%'))
      AND ($5::text IS NULL OR x.document_id = (SELECT id FROM documents WHERE code = $5))
      AND ($6::bigint IS NULL OR (x.document_id, x.sort_order) > ($6::bigint / 10000000, $6::bigint % 10000000))
    ORDER BY x.document_id, x.sort_order
    LIMIT $7::int + 1
),
numbered AS (
    SELECT k, j, row_number() OVER (ORDER BY k) AS n
    FROM r
)
/* Written out as json_build_object() and json_agg() write them: the rows are
   JSON text already, and parsing megabytes again would cost what the scan
   does. */
SELECT CASE WHEN (SELECT yes FROM usable) THEN
           '{"provinces" : '
           || (SELECT coalesce(json_agg(p.code ORDER BY p.sort_order), '[]') FROM provinces p)::text
           || ', "rows" : '
           || coalesce('[' || (SELECT string_agg(j, ', ' ORDER BY k) FROM numbered WHERE $7::int IS NULL OR n <= $7::int) || ']', '[]')
           || '}' END,
       {{dashboard_unknown_filter}},
       (SELECT max(k) FILTER (WHERE n <= $7::int) FROM numbered HAVING count(*) > $7::int)::text

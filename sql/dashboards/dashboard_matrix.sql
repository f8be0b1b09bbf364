-- The measure × province matrix (GET /api/v1/dashboard/matrix): per measure and province, the lead agency's task, support agencies in detail.
-- $1 agency text: only this agency's tasks (NULL: every agency's)
-- $2 province text: only this province's tasks (NULL: every province's)
-- $3 section text: only the measures of this chapter or part (NULL: all)
-- $4 as_of date: the tasks as they stood at the end of this day (NULL: now)
-- $5 document text: only this document's measures and provinces, by its code (NULL: every document's)
-- $6 after bigint: the cursor's key (the last row's document_id * 10^7 + its measure's sort_order), NULL for the first page
-- $7 limit int: the page size, NULL for every row (the CSV)
-- returns: the page's JSON (provinces and rows; the daemon adds limit and next), a key for each province of the catalogue (of the document, when asked for one) in each row; the filter that names nothing ('document', 'agency', 'province', 'section'), a section ambiguous or not in the document, or NULL; the next page's key, NULL on the last page
WITH f AS (
    {{dashboard_tasks}}
),
/* The columns: every province, or those a measure of $5 names. */
cols AS (
    SELECT p.code, p.sort_order
    FROM provinces p
    WHERE $5::text IS NULL
       OR p.code IN (SELECT province_code FROM document_provinces WHERE document_id = (SELECT id FROM documents WHERE code = $5))
),
/* The cells are grouped by measure and province in one pass: a lookup per
   measure and province would scan all the tasks each time (9 s at 20,000). */
cells AS (
    SELECT f.measure_id,
           f.province_code,
           json_build_object(
               'status', (array_agg(f.status ORDER BY f.agency_code) FILTER (WHERE f.role = 'lead'))[1],
               'rag', (array_agg(f.rag ORDER BY f.agency_code) FILTER (WHERE f.role = 'lead'))[1],
               'tasks', count(*),
               'support', coalesce(json_agg(json_build_object('agency', f.agency_code,
                                                              'status', f.status,
                                                              'rag', f.rag)
                                            ORDER BY f.agency_code) FILTER (WHERE f.role = 'support'),
                                   '[]')) AS cell
    FROM f
    GROUP BY f.measure_id, f.province_code
),
/* Every measure with a cell, with a member for every province (null: no
   task there), from the cursor on: the page and one row more, which says
   whether another page follows. */
rows AS (
    SELECT m.document_id::bigint * 10000000 + m.sort_order AS k,
           json_object_concat(json_build_object('document', d.code,
                                                'measure', m.code,
                                                'text_zh', m.text_zh),
                              json_object_agg(p.code, c.cell ORDER BY p.sort_order)) AS j
    FROM measures m
    JOIN documents d ON d.id = m.document_id
    CROSS JOIN cols p
    LEFT JOIN cells c ON c.measure_id = m.id AND c.province_code = p.code
    WHERE m.id IN (SELECT measure_id FROM cells)
      AND ($6::bigint IS NULL OR (m.document_id, m.sort_order) > ($6::bigint / 10000000, $6::bigint % 10000000))
    GROUP BY m.id, d.code
    ORDER BY m.document_id, m.sort_order
    LIMIT $7::int + 1
),
numbered AS (
    SELECT k, j, row_number() OVER (ORDER BY k) AS n
    FROM rows
)
SELECT json_build_object('provinces', (SELECT coalesce(json_agg(p.code ORDER BY p.sort_order), '[]') FROM cols p),
                         'rows', (SELECT coalesce(json_agg(j ORDER BY k) FILTER (WHERE $7::int IS NULL OR n <= $7::int), '[]') FROM numbered))::text,
       {{dashboard_unknown_filter}},
       (SELECT max(k) FILTER (WHERE n <= $7::int) FROM numbered HAVING count(*) > $7::int)::text

-- A page of measures, document by document (in the order they were loaded) in each one's order, filtered (GET /api/v1/measures).
-- $1 section text: a chapter (3) or part (3.1); NULL for any
-- $2 agency text: an agency code; NULL for any
-- $3 province text: a province code; NULL for any
-- $4 role text: lead or support, narrowing agency (or alone: measures with an agency in that role); NULL for any
-- $5 q text: searched as a substring of text_zh, case-insensitively of text_en; NULL for none
-- $6 after bigint: the cursor's key (the last measure's document_id * 10^7 + sort_order), NULL for the first page
-- $7 limit int: the page size
-- $8 document text: a document's code: only its measures; NULL for any
-- returns: the page's measures as a JSON array; the next page's key, NULL on the last page; '400:role:MESSAGE' for a role that is not in measure_roles, else the first filter (document, agency, province, section) that names nothing in the catalogue or is ambiguous (catalogue_filter_problem()), or NULL
-- plans: one per filter set
-- plans: as written when $5 is given
-- (a variant per set of the other filters, its generic plan kept: sql/embed.py;
-- a search is planned for its text, since the trigram indexes help only a
-- pattern of three characters or more and a generic plan cannot tell)
-- LIKE's wildcards in q are escaped so that they match themselves; Chinese has
-- no word boundaries, so a plain substring is what a reader means there.
-- The key packs the position (document, sort_order) in one number for the
-- cursor: a document's sort_order stays far below 10^7.
WITH page AS (
    SELECT m.document_id::bigint * 10000000 + m.sort_order AS k,
           json_build_object({{measure_fields}},
                             'agencies', (SELECT json_agg(json_build_object('code', a.code,
                                                                            'name_zh', a.name_zh,
                                                                            'name_en', a.name_en,
                                                                            'role', ma.role)
                                                          ORDER BY r.sort_order, a.sort_order)
                                          FROM measure_agencies ma
                                          JOIN agencies a ON a.code = ma.agency_code
                                          JOIN measure_roles r ON r.role = ma.role
                                          WHERE ma.measure_id = m.id),
                             'provinces', (SELECT json_agg(json_build_object('code', p.code,
                                                                             'name_zh', p.name_zh,
                                                                             'name_en', p.name_en)
                                                           ORDER BY p.sort_order)
                                           FROM measure_provinces mp
                                           JOIN provinces p ON p.code = mp.province_code
                                           WHERE mp.measure_id = m.id),
                             'localities', (SELECT coalesce(json_agg(json_build_object('name_zh', l.name_zh,
                                                                                       'name_en', l.name_en,
                                                                                       'kind', l.kind,
                                                                                       'province', l.province_code)
                                                                     ORDER BY l.sort_order), '[]')
                                            FROM measure_localities ml
                                            JOIN localities l ON l.id = ml.locality_id
                                            WHERE ml.measure_id = m.id),
                             'task_count', (SELECT count(*) FROM tasks t WHERE t.measure_id = m.id)) AS j
    FROM measures m
    JOIN sections s ON s.id = m.section_id,
         (SELECT '%' || replace(replace(replace($5::text, '\', '\\'), '%', '\%'), '_', '\_') || '%' AS pattern) e
    WHERE ($1::text IS NULL OR s.code = $1 OR s.code LIKE $1 || '.%')
      AND (($2::text IS NULL AND $4::text IS NULL)
           OR EXISTS (SELECT 1
                      FROM measure_agencies ma
                      WHERE ma.measure_id = m.id
                        AND ($2 IS NULL OR ma.agency_code = $2)
                        AND ($4 IS NULL OR ma.role = $4)))
      AND ($3::text IS NULL
           OR EXISTS (SELECT 1
                      FROM measure_provinces mp
                      WHERE mp.measure_id = m.id AND mp.province_code = $3))
      AND ($5::text IS NULL OR m.text_zh LIKE e.pattern OR m.text_en ILIKE e.pattern)
      AND ($8::text IS NULL OR m.document_id = (SELECT id FROM documents WHERE code = $8))
      AND ($6::bigint IS NULL OR (m.document_id, m.sort_order) > ($6::bigint / 10000000, $6::bigint % 10000000))
    ORDER BY m.document_id, m.sort_order
    LIMIT $7::int + 1
),
numbered AS (
    SELECT k, j, row_number() OVER (ORDER BY k) AS n
    FROM page
)
SELECT coalesce(json_agg(j ORDER BY k) FILTER (WHERE n <= $7::int), '[]')::text,
       CASE WHEN count(*) > $7::int THEN (max(k) FILTER (WHERE n <= $7::int))::text END,
       CASE WHEN $4::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM measure_roles WHERE role = $4)
            THEN '400:role:' || {{measure_role_message}}
            ELSE catalogue_filter_problem($8, $2, $3, $1, NULL) END
FROM numbered

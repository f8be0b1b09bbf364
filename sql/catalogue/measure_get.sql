-- One measure with the rationale of each agency, province and locality it
-- names, and its tasks (GET /api/v1/measures/{code}).
-- $1 code text
-- $2 document text: the code of the measure's document; NULL when the code alone is to say
-- returns: one row: the measure's JSON, NULL when there is none or the code is ambiguous; 'document' when $2 names no document, 'ambiguous:measure:CODE,CODE' (the documents) when $2 is NULL and several documents have a measure $1, else NULL
WITH hits AS (
    SELECT m.id, d.id AS document_id, d.code AS document
    FROM measures m
    JOIN documents d ON d.id = m.document_id
    WHERE m.code = $1
      AND ($2::text IS NULL OR d.code = $2)
)
SELECT (SELECT json_build_object({{measure_fields}},
                                 'agencies', (SELECT json_agg(json_build_object('code', a.code,
                                                                                'name_zh', a.name_zh,
                                                                                'name_en', a.name_en,
                                                                                'role', ma.role,
                                                                                'rationale', ma.rationale)
                                                              ORDER BY r.sort_order, a.sort_order)
                                              FROM measure_agencies ma
                                              JOIN agencies a ON a.code = ma.agency_code
                                              JOIN measure_roles r ON r.role = ma.role
                                              WHERE ma.measure_id = m.id),
                                 'provinces', (SELECT json_agg(json_build_object('code', p.code,
                                                                                 'name_zh', p.name_zh,
                                                                                 'name_en', p.name_en,
                                                                                 'rationale', mp.rationale)
                                                               ORDER BY p.sort_order)
                                               FROM measure_provinces mp
                                               JOIN provinces p ON p.code = mp.province_code
                                               WHERE mp.measure_id = m.id),
                                 'localities', (SELECT coalesce(json_agg(json_build_object('name_zh', l.name_zh,
                                                                                           'name_en', l.name_en,
                                                                                           'kind', l.kind,
                                                                                           'province', l.province_code,
                                                                                           'rationale', ml.rationale)
                                                                         ORDER BY l.sort_order), '[]')
                                                FROM measure_localities ml
                                                JOIN localities l ON l.id = ml.locality_id
                                                WHERE ml.measure_id = m.id),
                                 'task_count', (SELECT count(*) FROM tasks t WHERE t.measure_id = m.id),
                                 'tasks', (SELECT coalesce(json_agg(json_build_object('id', t.id,
                                                                                      'agency', t.agency_code,
                                                                                      'province', t.province_code,
                                                                                      'role', t.role,
                                                                                      'status', t.status,
                                                                                      'progress', t.progress)
                                                                    ORDER BY t.id), '[]')
                                           FROM tasks t
                                           WHERE t.measure_id = m.id))::text
        FROM measures m
        JOIN sections s ON s.id = m.section_id
        WHERE m.id IN (SELECT id FROM hits)
          AND (SELECT count(*) FROM hits) = 1),
       CASE WHEN $2::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM documents WHERE code = $2) THEN 'document'
            WHEN (SELECT count(*) FROM hits) > 1
            THEN 'ambiguous:measure:' || (SELECT string_agg(document, ',' ORDER BY document_id) FROM hits) END

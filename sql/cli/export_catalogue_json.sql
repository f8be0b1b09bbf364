-- Every measure with its agencies, provinces and localities, as one JSON array (`policytrack export catalogue --format json`).
-- $1 document text: a document's code: only its measures; NULL for every document's
-- returns: one row: the array, indented by jsonb_pretty, document by document in each one's order
SELECT coalesce(jsonb_pretty(jsonb_agg(
           jsonb_build_object(
               'document', d.code,
               'code', m.code,
               'section', s.code,
               'text_zh', m.text_zh,
               'text_en', m.text_en,
               'joint', m.joint,
               'agencies', (SELECT jsonb_agg(jsonb_build_object('code', a.code,
                                                                'name_zh', a.name_zh,
                                                                'name_en', a.name_en,
                                                                'role', ma.role,
                                                                'rationale', ma.rationale)
                                             ORDER BY ma.role <> 'lead', a.sort_order)
                            FROM measure_agencies ma
                            JOIN agencies a ON a.code = ma.agency_code
                            WHERE ma.measure_id = m.id),
               'provinces', (SELECT jsonb_agg(jsonb_build_object('code', p.code,
                                                                 'name_zh', p.name_zh,
                                                                 'name_en', p.name_en,
                                                                 'rationale', mp.rationale)
                                              ORDER BY p.sort_order)
                             FROM measure_provinces mp
                             JOIN provinces p ON p.code = mp.province_code
                             WHERE mp.measure_id = m.id),
               'localities', (SELECT coalesce(jsonb_agg(jsonb_build_object('name_zh', l.name_zh,
                                                                           'name_en', l.name_en,
                                                                           'province', l.province_code)
                                                        ORDER BY l.sort_order),
                                              '[]')
                              FROM measure_localities ml
                              JOIN localities l ON l.id = ml.locality_id
                              WHERE ml.measure_id = m.id),
               'tasks', (SELECT count(*) FROM tasks t WHERE t.measure_id = m.id))
           ORDER BY m.document_id, m.sort_order)), '[]')
FROM measures m
JOIN sections s ON s.id = m.section_id
JOIN documents d ON d.id = m.document_id
WHERE $1::text IS NULL OR d.code = $1

-- Every measure with its agencies, provinces and localities by name, one row each (`policytrack export catalogue`, CSV and Markdown).
-- $1 document text: a document's code: only its measures; NULL for every document's
-- returns: one row per measure, document by document in each one's order; the column names are the CSV's header
--
-- Names are joined with 、 in Chinese and "; " in English, in the catalogue's order.
SELECT d.code AS document,
       m.code,
       s.code AS section,
       m.text_zh,
       m.text_en,
       CASE WHEN m.joint THEN 'yes' ELSE 'no' END AS joint,
       (SELECT coalesce(string_agg(a.name_zh, '、' ORDER BY a.sort_order), '')
        FROM measure_agencies ma
        JOIN agencies a ON a.code = ma.agency_code
        WHERE ma.measure_id = m.id AND ma.role = 'lead') AS lead_zh,
       (SELECT coalesce(string_agg(a.name_en, '; ' ORDER BY a.sort_order), '')
        FROM measure_agencies ma
        JOIN agencies a ON a.code = ma.agency_code
        WHERE ma.measure_id = m.id AND ma.role = 'lead') AS lead_en,
       (SELECT coalesce(string_agg(a.name_zh, '、' ORDER BY a.sort_order), '')
        FROM measure_agencies ma
        JOIN agencies a ON a.code = ma.agency_code
        WHERE ma.measure_id = m.id AND ma.role = 'support') AS support_zh,
       (SELECT coalesce(string_agg(a.name_en, '; ' ORDER BY a.sort_order), '')
        FROM measure_agencies ma
        JOIN agencies a ON a.code = ma.agency_code
        WHERE ma.measure_id = m.id AND ma.role = 'support') AS support_en,
       (SELECT coalesce(string_agg(p.name_zh, '、' ORDER BY p.sort_order), '')
        FROM measure_provinces mp
        JOIN provinces p ON p.code = mp.province_code
        WHERE mp.measure_id = m.id) AS provinces_zh,
       (SELECT coalesce(string_agg(p.name_en, '; ' ORDER BY p.sort_order), '')
        FROM measure_provinces mp
        JOIN provinces p ON p.code = mp.province_code
        WHERE mp.measure_id = m.id) AS provinces_en,
       (SELECT coalesce(string_agg(l.name_zh, '、' ORDER BY l.sort_order), '')
        FROM measure_localities ml
        JOIN localities l ON l.id = ml.locality_id
        WHERE ml.measure_id = m.id) AS localities_zh,
       (SELECT coalesce(string_agg(l.name_en, '; ' ORDER BY l.sort_order), '')
        FROM measure_localities ml
        JOIN localities l ON l.id = ml.locality_id
        WHERE ml.measure_id = m.id) AS localities_en,
       (SELECT count(*) FROM tasks t WHERE t.measure_id = m.id) AS tasks
FROM measures m
JOIN sections s ON s.id = m.section_id
JOIN documents d ON d.id = m.document_id
WHERE $1::text IS NULL OR d.code = $1
ORDER BY m.document_id, m.sort_order

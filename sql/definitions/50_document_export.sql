-- A document as the import format of docs/import.md reads it: what
-- `policytrack export document` prints, so that export, edit and import
-- round-trip. Optional members are left out when empty; lists are in the
-- document's order (sections, measures) or the catalogue's (agencies,
-- provinces, localities), a measure's agencies lead first.
CREATE OR REPLACE FUNCTION document_export(p_code text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'format', 'policytrack-document/1',
        'document', jsonb_strip_nulls(jsonb_build_object(
            'code', d.code,
            'title_zh', d.title_zh,
            'title_en', d.title_en,
            'issuers', to_jsonb(d.issuers),
            'recipients', to_jsonb(d.recipients),
            'signed_on', d.signed_on,
            'published_on', d.published_on,
            'classification', d.classification,
            'source_url', d.source_url,
            'preamble_zh', d.preamble_zh,
            'preamble_en', d.preamble_en)),
        'agencies', (
            SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                       'code', a.code, 'name_zh', a.name_zh, 'full_name_zh', a.full_name_zh,
                       'name_en', a.name_en, 'abbr_en', a.abbr_en,
                       'successor_name_zh', a.successor_name_zh,
                       'successor_name_en', a.successor_name_en,
                       'successor_abbr_en', a.successor_abbr_en, 'remit_en', a.remit_en))
                   ORDER BY a.sort_order), '[]')
            FROM agencies a
            WHERE a.code = ANY (d.issuers)
               OR a.code IN (SELECT ma.agency_code FROM measure_agencies ma
                             JOIN measures m ON m.id = ma.measure_id WHERE m.document_id = d.id)),
        'provinces', (
            SELECT coalesce(jsonb_agg(jsonb_build_object(
                       'code', p.code, 'name_zh', p.name_zh, 'short_zh', p.short_zh,
                       'name_en', p.name_en)
                   ORDER BY p.sort_order), '[]')
            FROM provinces p
            WHERE p.code = ANY (d.recipients)
               OR p.code IN (SELECT mp.province_code FROM measure_provinces mp
                             JOIN measures m ON m.id = mp.measure_id WHERE m.document_id = d.id)),
        'localities', (
            SELECT coalesce(jsonb_agg(jsonb_build_object(
                       'province', l.province_code, 'name_zh', l.name_zh, 'name_en', l.name_en,
                       'kind', l.kind)
                   ORDER BY l.sort_order, l.id), '[]')
            FROM localities l
            WHERE l.id IN (SELECT ml.locality_id FROM measure_localities ml
                           JOIN measures m ON m.id = ml.measure_id WHERE m.document_id = d.id)),
        'sections', (
            SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                       'code', s.code, 'title_zh', s.title_zh, 'title_en', s.title_en,
                       'body_zh', s.body_zh, 'body_en', s.body_en))
                   ORDER BY s.sort_order, s.id), '[]')
            FROM sections s
            WHERE s.document_id = d.id),
        'measures', (
            SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                       'code', m.code,
                       'text_zh', m.text_zh,
                       'text_en', m.text_en,
                       'joint', CASE WHEN m.joint THEN true END,
                       'due_on', m.due_on,
                       'agencies', (
                           SELECT jsonb_agg(jsonb_build_object('code', ma.agency_code, 'role', ma.role,
                                                               'rationale', ma.rationale)
                                            ORDER BY r.sort_order, a.sort_order)
                           FROM measure_agencies ma
                           JOIN agencies a ON a.code = ma.agency_code
                           JOIN measure_roles r ON r.role = ma.role
                           WHERE ma.measure_id = m.id),
                       'provinces', (
                           SELECT jsonb_agg(jsonb_build_object('code', mp.province_code,
                                                               'rationale', mp.rationale)
                                            ORDER BY p.sort_order)
                           FROM measure_provinces mp
                           JOIN provinces p ON p.code = mp.province_code
                           WHERE mp.measure_id = m.id),
                       'localities', (
                           SELECT jsonb_agg(jsonb_build_object('province', l.province_code,
                                                               'name_zh', l.name_zh,
                                                               'rationale', ml.rationale)
                                            ORDER BY l.sort_order, l.id)
                           FROM measure_localities ml
                           JOIN localities l ON l.id = ml.locality_id
                           WHERE ml.measure_id = m.id)))
                   ORDER BY m.sort_order, m.id), '[]')
            FROM measures m
            WHERE m.document_id = d.id))
    FROM documents d
    WHERE d.code = p_code
$$;

-- A document `d` as JSON: its code, titles and dates, its issuers and
-- recipients named (in the document's own order), its 密级 (code and
-- label), with the number of its measures and tasks. No parameters.
json_build_object('id', d.id,
                  'code', d.code,
                  'title_zh', d.title_zh,
                  'title_en', d.title_en,
                  'signed_on', d.signed_on,
                  'published_on', d.published_on,
                  'classification', d.classification,
                  'classification_zh', classification_label(d.classification),
                  'issuers', (SELECT json_agg({{agency_ref}} ORDER BY array_position(d.issuers, a.code))
                              FROM agencies a
                              WHERE a.code = ANY (d.issuers)),
                  'recipients', (SELECT json_agg({{province_ref}} ORDER BY array_position(d.recipients, p.code))
                                 FROM provinces p
                                 WHERE p.code = ANY (d.recipients)),
                  'measures', (SELECT count(*) FROM measures m WHERE m.document_id = d.id),
                  'tasks', (SELECT count(*)
                            FROM tasks t
                            JOIN measures m ON m.id = t.measure_id
                            WHERE m.document_id = d.id))

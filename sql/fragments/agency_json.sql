-- An agency `a` as JSON: its names, successor and remit, with the number of
-- measures it takes in each role ({"lead": n, "support": n}) and of its tasks.
-- No parameters.
json_build_object('code', a.code,
                  'name_zh', a.name_zh,
                  'full_name_zh', a.full_name_zh,
                  'name_en', a.name_en,
                  'abbr_en', a.abbr_en,
                  'successor', CASE WHEN a.successor_name_zh IS NULL THEN NULL
                               ELSE json_build_object('name_zh', a.successor_name_zh,
                                                      'name_en', a.successor_name_en,
                                                      'abbr_en', a.successor_abbr_en) END,
                  'remit_en', a.remit_en,
                  'measures', (SELECT json_object_agg(r.role, (SELECT count(*)
                                                               FROM measure_agencies ma
                                                               WHERE ma.agency_code = a.code
                                                                 AND ma.role = r.role)
                                                      ORDER BY r.sort_order)
                               FROM measure_roles r),
                  'tasks', (SELECT count(*) FROM tasks t WHERE t.agency_code = a.code))

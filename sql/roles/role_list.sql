-- The roles, in order, with their names for people (GET /api/v1/roles).
-- returns: {"items": [{name, name_zh, name_en}, ...]}
SELECT json_build_object('items', coalesce(json_agg(json_build_object('name', r.name,
                                                                      'name_zh', r.name_zh,
                                                                      'name_en', r.name_en)
                                                    ORDER BY r.sort_order), '[]'))::text
FROM roles r

-- An agency `a` named, not described: {code, name_zh, name_en}. No parameters.
json_build_object('code', a.code, 'name_zh', a.name_zh, 'name_en', a.name_en)

-- A province `p` named, not described: {code, name_zh, name_en}. No parameters.
json_build_object('code', p.code, 'name_zh', p.name_zh, 'name_en', p.name_en)

-- A province `p` as JSON: its names, with the number of measures addressed to
-- it and of its tasks. No parameters.
json_build_object('code', p.code,
                  'name_zh', p.name_zh,
                  'short_zh', p.short_zh,
                  'name_en', p.name_en,
                  'measures', (SELECT count(*) FROM measure_provinces mp
                               WHERE mp.province_code = p.code),
                  'tasks', (SELECT count(*) FROM tasks t WHERE t.province_code = p.code))

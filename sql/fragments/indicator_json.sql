-- An indicator `i` as JSON.
json_build_object('code', i.code,
                  'name_zh', i.name_zh,
                  'name_en', i.name_en,
                  'unit', i.unit,
                  'direction', i.direction,
                  'comparison', i.comparison,
                  'weight', i.weight,
                  'goal_zh', i.goal_zh,
                  'description_en', i.description_en,
                  'seeded', i.seeded)

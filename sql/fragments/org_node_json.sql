-- A node `n` of the organisation tree as JSON (migration 0028), with its
-- parent's code (NULL: right under the province). No parameters.
json_build_object('code', n.code,
                  'province', n.province_code,
                  'parent', (SELECT x.code FROM org_nodes x WHERE x.id = n.parent_id),
                  'kind', n.kind,
                  'name_zh', n.name_zh,
                  'name_en', n.name_en,
                  'sort_order', n.sort_order,
                  'from_locality', n.locality_id IS NOT NULL)

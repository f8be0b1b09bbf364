-- One province with its localities, the places measures name inside it (GET /api/v1/provinces/{code}).
-- $1 code text
-- returns: the province's JSON; no row when there is none
SELECT ({{province_json}}::jsonb
        || jsonb_build_object('localities', (
               SELECT coalesce(jsonb_agg(jsonb_build_object('id', l.id,
                                                            'name_zh', l.name_zh,
                                                            'name_en', l.name_en,
                                                            'kind', l.kind,
                                                            'measures', (SELECT count(*)
                                                                         FROM measure_localities ml
                                                                         WHERE ml.locality_id = l.id))
                                         ORDER BY l.sort_order), '[]')
               FROM localities l
               WHERE l.province_code = p.code)))::text
FROM provinces p
WHERE p.code = $1

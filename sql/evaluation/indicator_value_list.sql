-- An indicator's recorded values (GET /api/v1/indicators/{code}/values).
-- $1 indicator text
-- $2 province text
-- $3 from int: the first year
-- $4 to int: the last year
-- returns: the values' JSON, or NULL when the indicator does not exist
SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM indicators WHERE code = $1) THEN NULL
            ELSE json_build_object(
                'indicator', $1::text,
                'items', (SELECT coalesce(json_agg(json_build_object(
                                     'province', v.province_code,
                                     'year', v.year,
                                     'value', v.value,
                                     'national_value', v.national_value,
                                     'target', v.target,
                                     'source', v.source,
                                     'note', v.note,
                                     'synthetic', v.synthetic,
                                     'version', v.version,
                                     'updated_at', v.updated_at) ORDER BY v.year, p.sort_order), '[]')
                          FROM indicator_values v
                          JOIN provinces p ON p.code = v.province_code
                          WHERE v.indicator_code = $1
                            AND ($2::text IS NULL OR v.province_code = $2)
                            AND ($3::int IS NULL OR v.year >= $3)
                            AND ($4::int IS NULL OR v.year <= $4)))::text
       END

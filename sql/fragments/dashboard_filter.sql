-- Whether task `t` (of section `s`) passes a dashboard's filters, as
-- GET /api/v1/tasks applies them: $1 agency, $2 province, $3 section (a
-- chapter or part, with the parts under it); a NULL filter passes every task.
($1::text IS NULL OR t.agency_code = $1)
AND ($2::text IS NULL OR t.province_code = $2)
AND ($3::text IS NULL OR s.code = $3 OR s.code LIKE $3 || '.%')

-- The dashboard filter that names nothing in the catalogue: 'agency' ($1),
-- 'province' ($2) or 'section' ($3), or NULL. Answered 400, as on the task list.
CASE WHEN $1::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM agencies WHERE code = $1) THEN 'agency'
     WHEN $2::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM provinces WHERE code = $2) THEN 'province'
     WHEN $3::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sections WHERE code = $3) THEN 'section'
END

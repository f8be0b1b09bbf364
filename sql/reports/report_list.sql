-- One page of the reports the caller may see, filtered (GET /api/v1/reports).
-- $1 caller_role text
-- $2 caller_province text
-- $3 period text
-- $4 province text
-- $5 state text
-- $6 after bigint: the cursor's key; the page starts after it
-- $7 limit int
-- $8 document text: a document's code: only the reports of the provinces its measures name (they report on its tasks); NULL for all
-- returns: the page's items as JSON; the next page's key; the filter that names nothing, if any
-- plans: one per filter set
-- (a variant per set of filters given, its generic plan kept: sql/embed.py)
WITH page AS (
    SELECT r.id AS k,
           report_json(r.id, $1, $2) AS j
    FROM reports r
    WHERE report_visible(r.state, r.province_code, $1, $2)
      AND ($3::text IS NULL OR r.period_code = $3)
      AND ($4::text IS NULL OR r.province_code = $4)
      AND ($5::text IS NULL OR r.state = $5)
      AND ($6::bigint IS NULL OR r.id > $6)
      AND ($8::text IS NULL
           OR r.province_code IN (SELECT province_code FROM document_provinces WHERE document_id = (SELECT id FROM documents WHERE code = $8)))
    ORDER BY r.id
    LIMIT $7::int + 1
),
numbered AS (
    SELECT k, j, row_number() OVER (ORDER BY k) AS n
    FROM page
)
SELECT coalesce(json_agg(j ORDER BY k) FILTER (WHERE n <= $7::int), '[]')::text,
       CASE WHEN count(*) > $7::int THEN (max(k) FILTER (WHERE n <= $7::int))::text END,
       (SELECT CASE
                   WHEN $3::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM periods WHERE code = $3) THEN 'period'
                   ELSE catalogue_filter_problem($8, NULL, NULL, NULL, NULL)
               END)
FROM numbered

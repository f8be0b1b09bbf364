-- One page of evaluations, filtered (GET /api/v1/evaluations).
-- $1 subject_type text
-- $2 subject text
-- $3 period text
-- $4 current bool
-- $5 after bigint: the cursor's key; the page starts after it
-- $6 limit int
-- returns: the page's items as JSON; the next page's key; NULL (a filter naming nothing matches nothing)
-- plans: one per filter set
-- (a variant per set of filters given, its generic plan kept: sql/embed.py)
WITH page AS (
    SELECT e.id AS k,
           evaluation_json(e.id) AS j
    FROM evaluations e
    WHERE ($1::text IS NULL OR e.subject_type = $1)
      AND ($2::text IS NULL OR e.subject = $2)
      AND ($3::text IS NULL OR e.period_code = $3)
      AND ($4::bool IS NULL OR e.is_current = $4)
      AND ($5::bigint IS NULL OR e.id > $5)
    ORDER BY e.id
    LIMIT $6::int + 1
),
numbered AS (
    SELECT k, j, row_number() OVER (ORDER BY k) AS n
    FROM page
)
SELECT coalesce(json_agg(j ORDER BY k) FILTER (WHERE n <= $6::int), '[]')::text,
       CASE WHEN count(*) > $6::int THEN (max(k) FILTER (WHERE n <= $6::int))::text END,
       NULL::text
FROM numbered

-- One page of indicators, the seeded ones first (GET /api/v1/indicators);
-- each is keyed by its rank in that order.
-- $1 after bigint: the cursor's key; the page starts after it
-- $2 limit int
-- returns: the page's items as JSON; the next page's key; NULL (no filters)
WITH page AS (
    SELECT k, j
    FROM (SELECT row_number() OVER (ORDER BY i.seeded DESC, i.created_at, i.code) AS k,
                 {{indicator_json}} AS j
          FROM indicators i) x
    WHERE $1::bigint IS NULL OR k > $1
    ORDER BY k
    LIMIT $2::int + 1
),
numbered AS (
    SELECT k, j, row_number() OVER (ORDER BY k) AS n
    FROM page
)
SELECT coalesce(json_agg(j ORDER BY k) FILTER (WHERE n <= $2::int), '[]')::text,
       CASE WHEN count(*) > $2::int THEN (max(k) FILTER (WHERE n <= $2::int))::text END,
       NULL::text
FROM numbered

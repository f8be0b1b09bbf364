-- A page of agencies in the notice's order (GET /api/v1/agencies).
-- $1 after bigint: the cursor's key (the last agency's sort_order), NULL for the first page
-- $2 limit int: the page size
-- returns: the page's agencies as a JSON array; the next page's key, NULL on the last page; NULL (no filters)
WITH page AS (
    SELECT a.sort_order::bigint AS k,
           {{agency_json}} AS j
    FROM agencies a
    WHERE $1::bigint IS NULL OR a.sort_order > $1
    ORDER BY a.sort_order
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

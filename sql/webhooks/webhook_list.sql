-- A page of webhook endpoints, oldest first (GET /api/v1/webhooks): never their secrets.
-- $1 after bigint: the previous page's last key, or NULL for the first page
-- $2 limit int: the page's size
-- returns: the page's endpoints as a JSON array; the next page's key, or NULL; NULL (no filter to blame)
WITH page AS (
    SELECT w.id AS k,
           webhook_json(w) AS j
    FROM webhooks w
    WHERE $1::bigint IS NULL OR w.id > $1
    ORDER BY w.id
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

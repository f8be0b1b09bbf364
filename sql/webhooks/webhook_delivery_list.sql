-- A page of an endpoint's deliveries, oldest first (GET /api/v1/webhooks/{id}/deliveries).
-- $1 id text: the path segment as given; one that is not a number names no endpoint
-- $2 state text: pending, delivered or parked; NULL for all
-- $3 after bigint: the previous page's last key, or NULL for the first page
-- $4 limit int: the page's size
-- returns: the page's deliveries as a JSON array; the next page's key, or NULL;
--   '404:webhook:ID' when there is no such endpoint, 'state' when the state is not one
WITH hook AS (
    SELECT w.id
    FROM webhooks w
    WHERE w.id = CASE WHEN $1 ~ '^[0-9]{1,18}$' THEN $1::bigint END
),
page AS (
    SELECT d.id AS k,
           webhook_delivery_json(d) AS j
    FROM webhook_deliveries d
    WHERE d.webhook_id = (SELECT id FROM hook)
      AND ($2::text IS NULL OR d.state = $2)
      AND ($3::bigint IS NULL OR d.id > $3)
    ORDER BY d.id
    LIMIT $4::int + 1
),
numbered AS (
    SELECT k, j, row_number() OVER (ORDER BY k) AS n
    FROM page
)
SELECT coalesce(json_agg(j ORDER BY k) FILTER (WHERE n <= $4::int), '[]')::text,
       CASE WHEN count(*) > $4::int THEN (max(k) FILTER (WHERE n <= $4::int))::text END,
       CASE WHEN $2::text IS NOT NULL AND $2 NOT IN ('pending', 'delivered', 'parked')
                THEN '400:state:must be pending, delivered or parked'
            WHEN NOT EXISTS (SELECT 1 FROM hook) THEN '404:webhook:' || $1 END
FROM numbered

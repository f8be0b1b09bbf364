-- A page of one work item's history, oldest first (GET /api/v1/work-items/{id}/events);
-- a removed item's too: its history stays.
-- $1 id text: the path segment as given; one that is not a number finds no item
-- $2 after bigint: the cursor's key (the last event's id), NULL for the first page
-- $3 limit int: the page size
-- returns: the page's events as a JSON array; the next page's key, NULL on the last page; '404:work item:ID' when there is no such item
WITH page AS (
    SELECT e.id AS k,
           {{event_json}} AS j
    FROM events e
    LEFT JOIN users u ON u.id = e.actor_id
    WHERE e.subject_type = 'work_item'
      AND e.subject_id = (CASE WHEN $1 ~ '^[0-9]{1,18}$' THEN $1::bigint END)
      AND ($2::bigint IS NULL OR e.id > $2)
    ORDER BY e.id
    LIMIT $3::int + 1
),
numbered AS (
    SELECT k, j, row_number() OVER (ORDER BY k) AS n
    FROM page
)
SELECT coalesce(json_agg(j ORDER BY k) FILTER (WHERE n <= $3::int), '[]')::text,
       CASE WHEN count(*) > $3::int THEN (max(k) FILTER (WHERE n <= $3::int))::text END,
       (SELECT '404:work item:' || $1
        WHERE NOT EXISTS (SELECT 1
                          FROM work_items
                          WHERE id = (CASE WHEN $1 ~ '^[0-9]{1,18}$' THEN $1::bigint END)))
FROM numbered

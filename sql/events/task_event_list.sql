-- A page of one task's history, oldest first (GET /api/v1/tasks/{id}/events):
-- its own events and those of its work items (removed ones too), interleaved.
-- $1 task text: the path segment as given; one that is not a number finds no task
-- $2 after bigint: the cursor's key (the last event's id), NULL for the first page
-- $3 limit int: the page size
-- returns: the page's events as a JSON array; the next page's key, NULL on the last page; '404:task:ID' when there is no such task
WITH page AS (
    SELECT e.id AS k,
           {{event_json}} AS j
    FROM events e
    LEFT JOIN users u ON u.id = e.actor_id
    WHERE ((e.subject_type = 'task'
            AND e.subject_id = (CASE WHEN $1 ~ '^[0-9]{1,18}$' THEN $1::bigint END))
           OR (e.subject_type = 'work_item'
               AND e.subject_id IN (SELECT w.id
                                    FROM work_items w
                                    WHERE w.task_id = (CASE WHEN $1 ~ '^[0-9]{1,18}$' THEN $1::bigint END))))
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
       (SELECT '404:task:' || $1
        WHERE NOT EXISTS (SELECT 1
                          FROM tasks
                          WHERE id = (CASE WHEN $1 ~ '^[0-9]{1,18}$' THEN $1::bigint END)))
FROM numbered

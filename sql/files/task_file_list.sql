-- A page of one task's evidence files, oldest first, without their bytes (GET /api/v1/tasks/{id}/files).
-- $1 task text: the path segment as given; one that is not a number finds no task
-- $2 after bigint: the cursor's key (the last file's id), NULL for the first page
-- $3 limit int: the page size
-- returns: the page's files as a JSON array; the next page's key, NULL on the last page; '404:task:ID' when there is no such task
WITH page AS (
    SELECT f.id AS k,
           {{task_file_json}} AS j
    FROM task_files f
    JOIN users u ON u.id = f.uploaded_by
    WHERE f.task_id = (CASE WHEN $1 ~ '^[0-9]{1,18}$' THEN $1::bigint END)
      AND ($2::bigint IS NULL OR f.id > $2)
    ORDER BY f.id
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

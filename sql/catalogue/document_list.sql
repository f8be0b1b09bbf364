-- A page of documents by id (GET /api/v1/documents).
-- $1 after bigint: the cursor's key (the last document's id), NULL for the first page
-- $2 limit int: the page size
-- returns: the page's documents as a JSON array; the next page's key, NULL on the last page; NULL (no filters)
WITH page AS (
    SELECT d.id::bigint AS k,
           {{document_json}} AS j
    FROM documents d
    WHERE $1::bigint IS NULL OR d.id > $1
    ORDER BY d.id
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

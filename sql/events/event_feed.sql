-- A page of the change feed: every event in the order the sequencer sealed it (GET /api/v1/events).
-- $1 after bigint: the cursor's key or the `after` parameter (an event id), NULL for the first page
-- $2 limit int: the page size
-- $3 document text: a document's code: only the events of its tasks; NULL for every event
-- returns: the page's events as a JSON array; the next page's key, NULL on the last page; 'document' when $3 names no document, else NULL
-- plans: one per filter set
-- (a variant per set of filters given, its generic plan kept: sql/embed.py)
-- Reports, periods and evaluations are not one document's: with $3 they are left out.
-- The order is the seals' (0031), which only grows at its end: an event
-- committed after a page was read comes after it, never before, although its
-- id may be smaller. `after` is the seal of that event (or of the greatest
-- sealed id below it); events are listed once sealed, a moment after commit.
WITH start AS (
    SELECT coalesce((SELECT s.seq
                     FROM event_seals s
                     WHERE s.event_id <= $1::bigint
                     ORDER BY s.event_id DESC
                     LIMIT 1), 0) AS seq
),
page AS (
    SELECT s.seq,
           e.id AS k,
           {{event_json}} AS j
    FROM event_seals s
    JOIN events e ON e.id = s.event_id
    LEFT JOIN users u ON u.id = e.actor_id
    WHERE ($1::bigint IS NULL OR s.seq > (SELECT seq FROM start))
      AND ($3::text IS NULL
           OR (e.subject_type = 'task'
               AND e.subject_id IN (SELECT t.id
                                    FROM tasks t
                                    JOIN measures m ON m.id = t.measure_id
                                    WHERE m.document_id = (SELECT id FROM documents WHERE code = $3))))
    ORDER BY s.seq
    LIMIT $2::int + 1
),
numbered AS (
    SELECT seq, k, j, row_number() OVER (ORDER BY seq) AS n
    FROM page
)
SELECT coalesce(json_agg(j ORDER BY seq) FILTER (WHERE n <= $2::int), '[]')::text,
       CASE WHEN count(*) > $2::int THEN (max(k) FILTER (WHERE n = $2::int))::text END,
       catalogue_filter_problem($3, NULL, NULL, NULL, NULL)
FROM numbered

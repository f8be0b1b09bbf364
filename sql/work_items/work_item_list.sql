-- One page of work items across tasks, filtered (GET /api/v1/work-items).
-- $1 caller_role text
-- $2 caller_agency text
-- $3 caller_province text
-- $4 agency text: items this agency carries
-- $5 office text: items this province's office carries
-- $6 status text
-- $7 overdue bool
-- $8 mine bool: true for the items the caller's agency or office carries (none for other roles)
-- $9 after bigint: the cursor's key; the page starts after it
-- $10 limit int
-- returns: the page's items as JSON; the next page's key; '400:status:MESSAGE' for a status the workflow lacks, else the filter that names nothing, if any
-- plans: one per filter set
-- (a variant per set of filters given, its generic plan kept: sql/embed.py)
WITH page AS (
    SELECT w.id AS k,
           json_build_object({{work_item_fields}}) AS j
    FROM work_items w
    {{work_item_joins}}
    WHERE w.removed_at IS NULL
      AND ($4::text IS NULL OR w.agency_code = $4)
      AND ($5::text IS NULL OR w.province_code = $5)
      AND ($6::text IS NULL OR w.status = $6)
      AND ($7::bool IS NULL OR task_overdue(w.status, w.due_date) = $7)
      AND ($8::bool IS NOT TRUE OR {{work_item_carried}})
      AND ($9::bigint IS NULL OR w.id > $9)
    ORDER BY w.id
    LIMIT $10::int + 1
),
numbered AS (
    SELECT k, j, row_number() OVER (ORDER BY k) AS n
    FROM page
)
SELECT coalesce(json_agg(j ORDER BY k) FILTER (WHERE n <= $10::int), '[]')::text,
       CASE WHEN count(*) > $10::int THEN (max(k) FILTER (WHERE n <= $10::int))::text END,
       (SELECT CASE
                   WHEN $6::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM task_statuses WHERE status = $6)
                   THEN '400:status:' || {{task_status_message}}
                   WHEN $4::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM agencies WHERE code = $4) THEN 'agency'
                   WHEN $5::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM provinces WHERE code = $5) THEN 'office'
               END)
FROM numbered

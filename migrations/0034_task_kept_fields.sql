-- Per-task fields kept on the row by the writers of their sources (issue 15:
-- a page of tasks looked each up per row, 1-10 µs apiece, about half of its
-- PostgreSQL time). The triggers that keep them, in the same transaction as
-- every write of a source, are in sql/definitions/18_task_kept_fields.sql;
-- a status change writes none of the sources, so it runs none of them.
--   due_date_before_extensions  previous_due of the task's first approved
--                               extension (by decided_at, id); NULL if none
--   extension_open_id           its open extension request; NULL if none
--   work_items_live             how many of its work items are not removed
--   escalated                   whether the ladder has escalated it (any
--                               escalations row of it, whatever the due date)
-- measures.document_code is its document's code (documents.code).
ALTER TABLE tasks ADD COLUMN due_date_before_extensions date,
                  ADD COLUMN extension_open_id bigint,
                  ADD COLUMN work_items_live integer NOT NULL DEFAULT 0 CHECK (work_items_live >= 0),
                  ADD COLUMN escalated boolean NOT NULL DEFAULT false;
ALTER TABLE measures ADD COLUMN document_code text;

UPDATE measures m SET document_code = d.code FROM documents d WHERE d.id = m.document_id;
ALTER TABLE measures ALTER COLUMN document_code SET NOT NULL;

UPDATE tasks t
SET due_date_before_extensions = (SELECT e.previous_due FROM extension_requests e
                                  WHERE e.task_id = t.id AND e.state = 'approved'
                                  ORDER BY e.decided_at, e.id LIMIT 1),
    extension_open_id = (SELECT e.id FROM extension_requests e WHERE e.task_id = t.id AND e.state = 'open'),
    work_items_live = (SELECT count(*) FROM work_items w WHERE w.task_id = t.id AND w.removed_at IS NULL),
    escalated = EXISTS (SELECT 1 FROM escalations x WHERE x.subject_type = 'task' AND x.subject_id = t.id)
WHERE t.id IN (SELECT task_id FROM extension_requests
               UNION SELECT task_id FROM work_items
               UNION SELECT subject_id FROM escalations WHERE subject_type = 'task');

-- The tasks a dashboard counts (use as `f`): those dashboard_filter passes
-- ($1 agency, $2 province, $3 section) of the document $5 (its code; NULL:
-- every document's), in their current state or, when
-- $4 as_of is a day, as they stood at the end of it, rebuilt from the audit
-- trail by tasks_as_of() (a task created later is left out).
SELECT t.id,
       t.measure_id,
       m.document_id,
       t.agency_code,
       t.province_code,
       t.role,
       t.last_note,
       m.code AS measure_code,
       s.code AS section_code,
       s.chapter,
       CASE WHEN $4::date IS NULL THEN t.status ELSE a.status END AS status,
       CASE WHEN $4::date IS NULL THEN t.progress ELSE a.progress END AS progress,
       CASE WHEN $4::date IS NULL THEN t.due_date ELSE a.due_date END AS due_date,
       CASE WHEN $4::date IS NULL THEN {{task_rag}} ELSE a.rag END AS rag,
       CASE WHEN $4::date IS NULL THEN task_overdue(t.status, t.due_date) ELSE a.is_overdue END AS is_overdue
FROM tasks t
JOIN measures m ON m.id = t.measure_id
JOIN sections s ON s.id = m.section_id
LEFT JOIN tasks_as_of($4::date) a ON a.id = t.id
WHERE {{dashboard_filter}}
      AND ($4::date IS NULL OR a.id IS NOT NULL)
      AND ($5::text IS NULL OR m.document_id = (SELECT id FROM documents WHERE code = $5))

-- The overdue work items (GET /api/v1/dashboard/overdue-work-items), the
-- longest overdue first: items past their own due date and not done, of the
-- tasks the filters pass. Their tasks' figures are in every other dashboard
-- through the roll-up; this lists the pieces that are late.
-- $1 agency text: only items of this agency's tasks (NULL: every agency's)
-- $2 province text: only items of this province's tasks (NULL: every province's)
-- $3 section text: only items of the tasks of this chapter or part (NULL: all)
-- $4 as_of date: the items overdue at the end of this day, counted from it, as their events left them (NULL: today)
-- $5 document text: only items of this document's tasks, by its code (NULL: every document's)
-- returns: the answer's JSON; the filter that names nothing ('document', 'agency', 'province', 'section'), a section ambiguous or not in the document, or NULL
WITH f AS (
    SELECT w.id,
           w.task_id,
           w.title_zh,
           w.title_en,
           m.code AS measure_code,
           (SELECT d.code FROM documents d WHERE d.id = m.document_id) AS document_code,
           t.agency_code AS task_agency,
           t.province_code AS task_province,
           CASE WHEN $4::date IS NULL THEN w.agency_code ELSE x.agency_code END AS agency_code,
           CASE WHEN $4::date IS NULL THEN w.province_code ELSE x.province_code END AS office_code,
           CASE WHEN $4::date IS NULL THEN w.status ELSE x.status END AS status,
           CASE WHEN $4::date IS NULL THEN w.progress ELSE x.progress END AS progress,
           CASE WHEN $4::date IS NULL THEN w.due_date ELSE x.due_date END AS due_date,
           CASE WHEN $4::date IS NULL THEN task_overdue(w.status, w.due_date) ELSE x.is_overdue END AS is_overdue
    FROM work_items w
    JOIN tasks t ON t.id = w.task_id
    JOIN measures m ON m.id = t.measure_id
    JOIN sections s ON s.id = m.section_id
    LEFT JOIN work_items_as_of($4::date) x ON x.id = w.id
    WHERE {{dashboard_filter}}
      AND ($5::text IS NULL OR m.document_id = (SELECT id FROM documents WHERE code = $5))
      AND (CASE WHEN $4::date IS NULL THEN w.removed_at IS NULL ELSE x.id IS NOT NULL END)
)
SELECT json_build_object('rows', (
           SELECT coalesce(json_agg(json_build_object('work_item', f.id,
                                                      'task', f.task_id,
                                                      'document', f.document_code,
                                                      'measure', f.measure_code,
                                                      'title_zh', f.title_zh,
                                                      'title_en', f.title_en,
                                                      'agency', f.agency_code,
                                                      'agency_zh', ra.name_zh,
                                                      'office', f.office_code,
                                                      'office_zh', rp.name_zh,
                                                      'task_agency', f.task_agency,
                                                      'task_province', f.task_province,
                                                      'status', f.status,
                                                      'progress', f.progress,
                                                      'due_date', f.due_date,
                                                      'days_overdue', coalesce($4::date, current_date) - f.due_date)
                                    ORDER BY coalesce($4::date, current_date) - f.due_date DESC, f.id),
                           '[]')
           FROM f
           LEFT JOIN agencies ra ON ra.code = f.agency_code
           LEFT JOIN provinces rp ON rp.code = f.office_code
           WHERE f.is_overdue))::text,
       {{dashboard_unknown_filter}}

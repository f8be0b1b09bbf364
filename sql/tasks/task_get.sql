-- One task as the caller sees it, with its measure's text (GET /api/v1/tasks/{id}).
-- $1 caller_role text
-- $2 caller_agency text
-- $3 caller_province text
-- $4 id text: the path segment as given; one that is not a number finds nothing
-- returns: the task's JSON; its version (the ETag)
SELECT json_build_object({{task_fields}},
                         'measure_text_zh', m.text_zh,
                         'measure_text_en', m.text_en)::text,
       t.version
FROM tasks t
{{task_joins}}
WHERE t.id = (CASE WHEN $4 ~ '^[0-9]{1,18}$' THEN $4::bigint END)

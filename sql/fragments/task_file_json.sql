-- An evidence file `f` (task_files) as JSON, without its bytes, with the user
-- `u` who attached it named; href is where its bytes are. No parameters.
json_build_object('id', f.id,
                  'task_id', f.task_id,
                  'name', f.name,
                  'media_type', f.media_type,
                  'size', f.size,
                  'sha256', f.sha256,
                  'uploaded_by', json_build_object('username', u.username,
                                                   'display_name', u.display_name,
                                                   'role', u.role),
                  'created_at', f.created_at,
                  'href', '/api/v1/tasks/' || f.task_id || '/files/' || f.id)

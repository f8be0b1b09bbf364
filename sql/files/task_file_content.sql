-- One evidence file's bytes and how to serve them (GET /api/v1/tasks/{id}/files/{file_id}).
-- $1 task text: the task's path segment as given; one that is not a number finds nothing
-- $2 file text: the file's path segment as given; one that is not a number finds nothing
-- returns: media_type, name, sha256 and content (bytea) of the task's file; no
--   row when the task has no such file. The daemon asks for binary results, so
--   the bytes come as they are (text columns are their UTF-8 either way).
SELECT f.media_type,
       f.name,
       f.sha256,
       b.content
FROM task_files f
JOIN file_blobs b ON b.sha256 = f.sha256
WHERE f.task_id = (CASE WHEN $1 ~ '^[0-9]{1,18}$' THEN $1::bigint END)
  AND f.id = (CASE WHEN $2 ~ '^[0-9]{1,18}$' THEN $2::bigint END)

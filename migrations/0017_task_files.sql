-- Evidence files: the scanned documents that prove a task's step, uploaded
-- with POST /api/v1/tasks/{id}/files (docs/workflow.md). Two tables, so that
-- listing a task's files never reads their bytes:
--
--   file_blobs  the bytes, once per distinct content, keyed by their SHA-256
--               (the same scan attached to two tasks is stored once);
--   task_files  one row per attachment: the task, the name and media type it
--               was stored under, who attached it and when.
--
-- The bytes are stored EXTERNAL: out of line in TOAST and never compressed
-- (PDF, JPEG, PNG and the office formats are compressed already, so trying
-- would only cost CPU), which also lets substring() read a slice without
-- detoasting the whole value. The write function task_file_attach()
-- (sql/definitions/40_task_files.sql) fills both and records the event.

CREATE TABLE file_blobs (
    sha256      text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size        bigint NOT NULL CHECK (size > 0),
    content     bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (length(content) = size)
);

ALTER TABLE file_blobs ALTER COLUMN content SET STORAGE EXTERNAL;

CREATE TABLE task_files (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id     bigint NOT NULL REFERENCES tasks,
    sha256      text NOT NULL REFERENCES file_blobs,
    -- As uploaded: 1-200 characters, no control characters, no path.
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200
                                     AND name !~ '[\x01-\x1f\x7f/\\]'),
    -- What the daemon found the bytes to be (lib/api/files.c), not what the
    -- client said they were.
    media_type  text NOT NULL CHECK (media_type ~ '^[a-z]+/[a-z0-9.+-]+$'),
    size        bigint NOT NULL CHECK (size > 0),
    uploaded_by bigint NOT NULL REFERENCES users,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX task_files_task ON task_files (task_id, id);

-- Evidence is part of the record: the daemon may add a file, never change or
-- remove one (the default privileges of 0001 granted both).
REVOKE UPDATE, DELETE ON file_blobs, task_files FROM policytrack_app;

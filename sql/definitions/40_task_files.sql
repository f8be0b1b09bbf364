-- Evidence files (migration 0017): one file attached to one task, atomically:
-- scope, the bytes stored under their SHA-256, the attachment and its event in
-- the audit trail. The daemon calls it once per POST /api/v1/tasks/{id}/files,
-- after checking the bytes' type by their content (lib/api/files.c); p_media_type
-- is what the bytes were found to be.
--
-- Answers as every write does (lib/api/refusal.h): outcome 'ok' with the new
-- row as `file`, or 'refused' with a reason: not_found (missing or out of the
-- caller's scope: the same, as for task_update()), or invalid (field and detail
-- say what).

CREATE OR REPLACE FUNCTION task_file_attach(p_task bigint, p_actor bigint, p_role text,
                                            p_agency text, p_province text, p_name text,
                                            p_media_type text, p_content bytea)
RETURNS TABLE (outcome text, reason text, field text, detail text, file task_files)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    f task_files;
    digest text;
BEGIN
    -- Scope exactly as task_update() has it: coordinators any task, agency
    -- officers their agency's (in their province, when bound to one).
    PERFORM 1 FROM tasks x
    WHERE x.id = p_task
      AND (p_role = 'coordinator'
           OR (p_role = 'agency' AND x.agency_code = p_agency
               AND (p_province IS NULL OR x.province_code = p_province)));
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'refused', 'not_found', NULL::text,
                            refusal_not_found('task', p_task::text), NULL::task_files;
        RETURN;
    END IF;
    IF p_content IS NULL OR length(p_content) = 0 THEN
        RETURN QUERY SELECT 'refused', 'invalid', 'body', 'the file is empty', NULL::task_files;
        RETURN;
    END IF;
    IF p_name IS NULL OR length(p_name) NOT BETWEEN 1 AND 200 OR p_name ~ '[\x01-\x1f\x7f/\\]' THEN
        RETURN QUERY SELECT 'refused', 'invalid', 'name',
                            'must be 1 to 200 characters, without control characters, slashes or backslashes',
                            NULL::task_files;
        RETURN;
    END IF;

    -- Hashed and stored before the writers' lock, so that writers that
    -- need it exclusive wait for this one's event, not for its megabytes.
    digest := encode(sha256(p_content), 'hex');
    INSERT INTO file_blobs (sha256, size, content)
    VALUES (digest, length(p_content), p_content)
    ON CONFLICT (sha256) DO NOTHING;

    -- The writers' lock (shared) before the task row's (task_files' foreign
    -- key takes a share lock on it), and this task's chain lock after it.
    PERFORM audit_write_lock_task(p_task);
    INSERT INTO task_files (task_id, sha256, name, media_type, size, uploaded_by)
    VALUES (p_task, digest, p_name, p_media_type, length(p_content), p_actor)
    RETURNING * INTO f;

    -- A file is added, not changed: "from" is null, as for any field set anew.
    INSERT INTO events (actor_id, subject_type, subject_id, kind, changes)
    VALUES (p_actor, 'task', p_task, 'task.file_attached',
            jsonb_build_object('file', jsonb_build_object(
                'from', NULL,
                'to', jsonb_build_object('id', f.id,
                                         'name', f.name,
                                         'media_type', f.media_type,
                                         'size', f.size,
                                         'sha256', f.sha256))));

    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, NULL::text, f;
END
$$;

-- One change to one task, atomically: scope, version, state machine, field
-- rights, the update and its event. The daemon calls it once per PATCH.
-- p_fields holds only the fields the client sent, already checked for type
-- and format: status (checked here first, against task_statuses), progress,
-- due_date, evidence, rag_override.
--
-- Answers as every write does (lib/api/refusal.h): outcome 'ok', or 'refused'
-- with a reason: not_found (missing or out of the caller's scope: the same),
-- stale, decomposed (the task has work items: status and progress are
-- theirs), transition_not_allowed, role_may_not_transition, note_required,
-- progress_locked_when_done, evidence_required (formal closure), or invalid (field and detail say what).
-- current_version is the task's version when ok or stale (the ETag to answer
-- with), else NULL; task is the task as it now is.
DROP FUNCTION IF EXISTS task_update(bigint, bigint, text, text, text, integer, jsonb, text);

-- What is wrong with the status a change names, when it is not one of the
-- workflow's (task_statuses); NULL when it is, or when the change names none.
-- PL/pgSQL, planned once per session: a SQL function with subqueries is
-- never inlined, and was parsed and planned at every call.
CREATE OR REPLACE FUNCTION task_change_status_error(p_fields jsonb) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_fields ? 'status'
       AND NOT EXISTS (SELECT 1 FROM task_statuses s
                       WHERE jsonb_typeof(p_fields->'status') = 'string'
                         AND s.status = p_fields->>'status') THEN
        RETURN (SELECT 'must be one of ' || string_agg(s.status, ', ' ORDER BY s.sort_order)
                FROM task_statuses s);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION task_update(p_task bigint, p_actor bigint, p_role text, p_agency text,
                            p_province text, p_version integer, p_fields jsonb, p_note text)
RETURNS TABLE (outcome text, reason text, field text, detail text, current_version integer,
               task tasks)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    t tasks;
    tr task_transitions;
    new_status text;
    new_progress integer;
    new_due date;
    new_evidence jsonb;
    changes jsonb := '{}';
    status_error text := task_change_status_error(p_fields);
BEGIN
    IF status_error IS NOT NULL THEN
        RETURN QUERY SELECT 'refused', 'invalid', 'status', status_error, NULL::integer, NULL::tasks;
        RETURN;
    END IF;
    -- The writers' lock, shared (audit_write_lock()), then this task's row
    -- and nothing else first: changes to other tasks do not wait for this
    -- one, and the event's chain lock, taken after the row, is this task's.
    PERFORM audit_write_lock_task(p_task);
    SELECT * INTO t FROM tasks x
    WHERE x.id = p_task
      AND (p_role = 'coordinator'
           OR (p_role = 'agency' AND x.agency_code = p_agency
               AND (p_province IS NULL OR x.province_code = p_province)))
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'refused', 'not_found', NULL::text, refusal_not_found('task', p_task::text),
                            NULL::integer, NULL::tasks;
        RETURN;
    END IF;
    IF t.version <> p_version THEN
        RETURN QUERY SELECT 'refused', 'stale', NULL::text, NULL::text, t.version, t;
        RETURN;
    END IF;
    -- A task split into work items takes its status and progress from them
    -- (work_items_roll_up(), sql/definitions/24_work_items.sql).
    IF (p_fields ? 'status' OR p_fields ? 'progress')
       AND EXISTS (SELECT 1 FROM work_items w WHERE w.task_id = t.id AND w.removed_at IS NULL) THEN
        RETURN QUERY SELECT 'refused', 'decomposed', CASE WHEN p_fields ? 'status' THEN 'status' ELSE 'progress' END,
                            NULL::text, NULL::integer, t;
        RETURN;
    END IF;

    new_status := coalesce(p_fields->>'status', t.status);
    new_progress := coalesce((p_fields->>'progress')::integer, t.progress);
    IF new_status <> t.status THEN
        SELECT * INTO tr FROM task_transitions
        WHERE from_status = t.status AND to_status = new_status;
        IF NOT FOUND THEN
            RETURN QUERY SELECT 'refused', 'transition_not_allowed', 'status', NULL::text, NULL::integer, t;
            RETURN;
        END IF;
        IF NOT p_role = ANY (tr.roles) THEN
            RETURN QUERY SELECT 'refused', 'role_may_not_transition', 'status', NULL::text, NULL::integer, t;
            RETURN;
        END IF;
        IF tr.note_required AND coalesce(btrim(p_note), '') = '' THEN
            RETURN QUERY SELECT 'refused', 'note_required', 'note', NULL::text, NULL::integer, t;
            RETURN;
        END IF;
        -- Formal closure: the transition's evidence (links and attached
        -- files together) must be on record, this change's links included.
        IF tr.evidence_needed > 0
           AND jsonb_array_length(coalesce(p_fields->'evidence', t.evidence))
               + (SELECT count(*) FROM task_files f WHERE f.task_id = t.id) < tr.evidence_needed THEN
            RETURN QUERY SELECT 'refused', 'evidence_required', 'evidence',
                format('%s -> %s needs evidence on record (%s at least: a link in evidence or an attached file, '
                       'POST /api/v1/tasks/%s/files); this task has %s', t.status, new_status,
                       tr.evidence_needed, t.id,
                       jsonb_array_length(coalesce(p_fields->'evidence', t.evidence))
                       + (SELECT count(*) FROM task_files f WHERE f.task_id = t.id)), NULL::integer, t;
            RETURN;
        END IF;
        IF tr.sets_progress IS NOT NULL THEN
            IF p_fields ? 'progress' AND new_progress <> tr.sets_progress THEN
                RETURN QUERY SELECT 'refused', 'invalid', 'progress',
                                    'must be 100 (or left out) when completing', NULL::integer, t;
                RETURN;
            END IF;
            new_progress := tr.sets_progress;
        END IF;
    END IF;
    IF p_fields ? 'progress' AND tr.sets_progress IS NULL
       AND (SELECT done FROM task_statuses WHERE status = new_status) AND new_progress <> t.progress THEN
        RETURN QUERY SELECT 'refused', 'progress_locked_when_done', 'progress', NULL::text, NULL::integer, t;
        RETURN;
    END IF;

    IF p_fields ? 'due_date' AND p_role <> 'coordinator' AND t.role <> 'lead' THEN
        RETURN QUERY SELECT 'refused', 'invalid', 'due_date',
                            'only a coordinator or the lead agency may set the due date', NULL::integer, t;
        RETURN;
    END IF;
    IF p_fields ? 'rag_override' AND p_role <> 'coordinator' THEN
        RETURN QUERY SELECT 'refused', 'invalid', 'rag_override',
                            'only a coordinator may override the RAG rating', NULL::integer, t;
        RETURN;
    END IF;

    new_due := CASE WHEN p_fields ? 'due_date' THEN (p_fields->>'due_date')::date ELSE t.due_date END;
    new_evidence := coalesce(p_fields->'evidence', t.evidence);

    IF new_status IS DISTINCT FROM t.status THEN
        changes := changes || jsonb_build_object('status', jsonb_build_object('from', t.status, 'to', new_status));
    END IF;
    IF new_progress IS DISTINCT FROM t.progress THEN
        changes := changes || jsonb_build_object('progress', jsonb_build_object('from', t.progress, 'to', new_progress));
    END IF;
    IF new_due IS DISTINCT FROM t.due_date THEN
        changes := changes || jsonb_build_object('due_date', jsonb_build_object('from', t.due_date, 'to', new_due));
    END IF;
    IF new_evidence IS DISTINCT FROM t.evidence THEN
        changes := changes || jsonb_build_object('evidence', jsonb_build_object('from', t.evidence, 'to', new_evidence));
    END IF;
    IF p_fields ? 'rag_override' THEN
        changes := changes || jsonb_build_object('rag_override', jsonb_build_object(
            'from', CASE WHEN t.rag_override IS NULL THEN NULL ELSE jsonb_build_object(
                    'rating', t.rag_override, 'rationale', t.rag_override_rationale) END,
            'to', p_fields->'rag_override'));
    END IF;

    UPDATE tasks x SET
        status = new_status,
        progress = new_progress,
        due_date = new_due,
        evidence = new_evidence,
        last_note = coalesce(p_note, x.last_note),
        rag_override = CASE WHEN p_fields ? 'rag_override' THEN p_fields->'rag_override'->>'rating' ELSE x.rag_override END,
        rag_override_rationale = CASE WHEN p_fields ? 'rag_override' THEN p_fields->'rag_override'->>'rationale' ELSE x.rag_override_rationale END,
        rag_override_by = CASE WHEN p_fields ? 'rag_override' THEN
            CASE WHEN jsonb_typeof(p_fields->'rag_override') = 'null' THEN NULL ELSE p_actor END ELSE x.rag_override_by END,
        rag_override_at = CASE WHEN p_fields ? 'rag_override' THEN
            CASE WHEN jsonb_typeof(p_fields->'rag_override') = 'null' THEN NULL ELSE now() END ELSE x.rag_override_at END,
        version = x.version + 1,
        updated_at = now(),
        updated_by = p_actor
    WHERE x.id = p_task
    RETURNING x.* INTO t;

    INSERT INTO events (actor_id, subject_type, subject_id, kind, changes, note)
    VALUES (p_actor, 'task', p_task,
            CASE WHEN changes ? 'status' THEN 'task.status_changed'
                 WHEN changes = '{}' THEN 'task.noted' ELSE 'task.updated' END,
            changes, p_note);

    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, NULL::text, t.version, t;
END
$$;

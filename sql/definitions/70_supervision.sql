-- The supervision loop (督办闭环, issue 20; migration 0024): receipt and
-- send-back, re-assignment, extension requests. docs/workflow.md
-- ("Receipt", "Extensions") documents the rules; these functions are them.
--
-- task_supervise() takes one action on one task, for the caller:
--   receive             the task's unit acknowledges it (签收)
--   send_back           the task's unit says it is not theirs (退回), reason required
--   reassign            a coordinator gives a sent-back task to an agency (the same
--                       one, confirming it, or another), reason required
--   request_extension   the task's unit asks for a later due date (延期申请)
--   approve_extension   a coordinator grants the open request (its date or another)
--   refuse_extension    a coordinator turns it down, reason required
-- p_fields holds reason, due_date and agency as the client sent them, already
-- checked for type and format by the daemon. Each action changes the task's
-- version (its answer changes: a form opened before re-loads) and writes its
-- event, under the chain's lock, as task_update() does.
--
-- Answers as every write does (lib/api/refusal.h): 'ok' with the task, or
-- 'refused' with a reason: not_found (missing, or not the caller's: the same),
-- receipt_state, work_started, not_received, task_done, no_due_date, past_due,
-- extension_open, no_open_extension, already_assigned, or invalid (field and
-- detail say what).
DROP FUNCTION IF EXISTS task_supervise(bigint, bigint, text, text, text, text, jsonb);
CREATE FUNCTION task_supervise(p_task bigint, p_actor bigint, p_role text, p_agency text,
                               p_province text, p_action text, p_fields jsonb)
RETURNS TABLE (outcome text, reason text, field text, detail text, task tasks)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    t tasks;
    x extension_requests;
    why text := nullif(btrim(p_fields->>'reason'), '');
    want date := (p_fields->>'due_date')::date;
    today date := current_date;  -- the connection's time zone: a Beijing date by default
    new_agency text;
    new_role text;
    kind text;
    changes jsonb;
BEGIN
    -- The writers' lock, shared: this task's row, its extension request and
    -- its event are all this writes (see task_update()).
    PERFORM audit_write_lock_task(p_task);
    -- Coordinators act on any task; the unit's own actions are its agency's
    -- (in its province, when bound to one), as for a change.
    SELECT * INTO t FROM tasks y
    WHERE y.id = p_task
      AND CASE WHEN p_action IN ('reassign', 'approve_extension', 'refuse_extension')
               THEN p_role = 'coordinator'
               ELSE p_role = 'agency' AND y.agency_code = p_agency
                    AND (p_province IS NULL OR y.province_code = p_province) END
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'refused', 'not_found', NULL::text, refusal_not_found('task', p_task::text), NULL::tasks;
        RETURN;
    END IF;
    SELECT * INTO x FROM extension_requests e WHERE e.task_id = t.id AND e.state = 'open';

    IF p_action = 'receive' THEN
        IF t.receipt <> 'unreceived' THEN
            RETURN QUERY SELECT 'refused', 'receipt_state', NULL::text,
                CASE t.receipt WHEN 'received' THEN 'the task is already received'
                     ELSE 'the task was sent back: it waits for the coordinator to re-assign it' END, t;
            RETURN;
        END IF;
        kind := 'task.received';
        changes := jsonb_build_object('receipt', jsonb_build_object('from', t.receipt, 'to', 'received'));
        t.receipt := 'received';

    ELSIF p_action = 'send_back' THEN
        IF t.receipt = 'sent_back' THEN
            RETURN QUERY SELECT 'refused', 'receipt_state', NULL::text,
                                'the task is already sent back: it waits for the coordinator to re-assign it', t;
            RETURN;
        END IF;
        -- What was worked on stays with who worked on it: once work is
        -- reported, the unit asks the coordinator instead.
        IF t.status <> 'not_started' OR t.progress <> 0
           OR EXISTS (SELECT 1 FROM work_items w WHERE w.task_id = t.id AND w.removed_at IS NULL) THEN
            RETURN QUERY SELECT 'refused', 'work_started', NULL::text, NULL::text, t;
            RETURN;
        END IF;
        IF why IS NULL THEN
            RETURN QUERY SELECT 'refused', 'invalid', 'reason',
                                'say why the task is not yours (and, if you know, whose it is)', t;
            RETURN;
        END IF;
        IF x.id IS NOT NULL THEN
            RETURN QUERY SELECT 'refused', 'extension_open', NULL::text,
                                format('your extension request of %s is open: a unit asking for more time has the task; '
                                       'wait for the coordinator''s decision', x.requested_at::date), t;
            RETURN;
        END IF;
        kind := 'task.sent_back';
        changes := jsonb_build_object('receipt', jsonb_build_object('from', t.receipt, 'to', 'sent_back'));
        t.receipt := 'sent_back';

    ELSIF p_action = 'reassign' THEN
        IF t.receipt <> 'sent_back' THEN
            RETURN QUERY SELECT 'refused', 'receipt_state', NULL::text,
                                format('only a task its unit sent back is re-assigned; this one is %s', t.receipt), t;
            RETURN;
        END IF;
        new_agency := p_fields->>'agency';
        IF new_agency IS NULL THEN
            RETURN QUERY SELECT 'refused', 'invalid', 'agency',
                                'name the agency that carries the task (its own code confirms the assignment)', t;
            RETURN;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM agencies a WHERE a.code = new_agency) THEN
            RETURN QUERY SELECT 'refused', 'invalid', 'agency',
                                format('''%s'' matches no agency in the catalogue', left(new_agency, 64)), t;
            RETURN;
        END IF;
        IF why IS NULL THEN
            RETURN QUERY SELECT 'refused', 'invalid', 'reason', 'say why the task goes to this agency', t;
            RETURN;
        END IF;
        IF new_agency <> t.agency_code AND EXISTS (
               SELECT 1 FROM tasks y WHERE y.measure_id = t.measure_id AND y.agency_code = new_agency
                                       AND y.province_code = t.province_code) THEN
            RETURN QUERY SELECT 'refused', 'already_assigned', 'agency',
                format('%s already carries this measure in %s (task %s): send this one to another agency, '
                       'or back to %s', new_agency, t.province_code,
                       (SELECT y.id FROM tasks y WHERE y.measure_id = t.measure_id AND y.agency_code = new_agency
                                                   AND y.province_code = t.province_code), t.agency_code), t;
            RETURN;
        END IF;
        -- The catalogue names who carries a measure (measure_agencies, which
        -- the task's role follows): an agency it did not name joins it, in
        -- the task's role, with the coordinator's reason as its rationale.
        SELECT ma.role INTO new_role FROM measure_agencies ma
        WHERE ma.measure_id = t.measure_id AND ma.agency_code = new_agency;
        IF NOT FOUND THEN
            new_role := t.role;
            INSERT INTO measure_agencies (measure_id, agency_code, role, rationale)
            VALUES (t.measure_id, new_agency, t.role,
                    format('re-assigned from %s by the coordinator (task %s): %s', t.agency_code, t.id, why));
        END IF;
        kind := 'task.reassigned';
        changes := jsonb_build_object('receipt', jsonb_build_object('from', t.receipt, 'to', 'unreceived'));
        IF new_agency <> t.agency_code THEN
            changes := changes || jsonb_build_object('agency', jsonb_build_object('from', t.agency_code, 'to', new_agency));
        END IF;
        IF new_role <> t.role THEN
            changes := changes || jsonb_build_object('role', jsonb_build_object('from', t.role, 'to', new_role));
        END IF;
        t.receipt := 'unreceived';
        t.agency_code := new_agency;
        t.role := new_role;

    ELSIF p_action = 'request_extension' THEN
        IF t.receipt <> 'received' THEN
            RETURN QUERY SELECT 'refused', 'not_received', NULL::text, NULL::text, t;
            RETURN;
        END IF;
        IF (SELECT s.done FROM task_statuses s WHERE s.status = t.status) THEN
            RETURN QUERY SELECT 'refused', 'task_done', NULL::text, NULL::text, t;
            RETURN;
        END IF;
        IF t.due_date IS NULL THEN
            RETURN QUERY SELECT 'refused', 'no_due_date', NULL::text, NULL::text, t;
            RETURN;
        END IF;
        IF t.due_date < today THEN
            RETURN QUERY SELECT 'refused', 'past_due', NULL::text,
                format('the task was due %s: an extension is asked for by the due date; '
                       'ask the coordinator, who may re-plan it', t.due_date), t;
            RETURN;
        END IF;
        IF x.id IS NOT NULL THEN
            RETURN QUERY SELECT 'refused', 'extension_open', NULL::text,
                format('a request of %s for %s is open: wait for the coordinator''s decision',
                       x.requested_at::date, x.requested_due), t;
            RETURN;
        END IF;
        IF want IS NULL THEN
            RETURN QUERY SELECT 'refused', 'invalid', 'due_date', 'name the new due date you ask for', t;
            RETURN;
        END IF;
        IF want <= t.due_date THEN
            RETURN QUERY SELECT 'refused', 'invalid', 'due_date',
                                format('must be later than the current due date, %s', t.due_date), t;
            RETURN;
        END IF;
        IF why IS NULL THEN
            RETURN QUERY SELECT 'refused', 'invalid', 'reason', 'say why the task needs more time', t;
            RETURN;
        END IF;
        INSERT INTO extension_requests (task_id, requested_due, reason, requested_by)
        VALUES (t.id, want, why, p_actor)
        RETURNING * INTO x;
        kind := 'extension.requested';
        changes := jsonb_build_object('extension', jsonb_build_object('from', NULL, 'to',
                       jsonb_build_object('id', x.id, 'state', 'open', 'due_date', want)));

    ELSIF p_action IN ('approve_extension', 'refuse_extension') THEN
        IF x.id IS NULL THEN
            RETURN QUERY SELECT 'refused', 'no_open_extension', NULL::text, NULL::text, t;
            RETURN;
        END IF;
        IF p_action = 'refuse_extension' THEN
            IF why IS NULL THEN
                RETURN QUERY SELECT 'refused', 'invalid', 'reason', 'say why the request is refused', t;
                RETURN;
            END IF;
            UPDATE extension_requests e SET state = 'refused', decision_note = why, previous_due = t.due_date,
                                            decided_by = p_actor, decided_at = now()
            WHERE e.id = x.id;
            kind := 'extension.refused';
            changes := jsonb_build_object('extension', jsonb_build_object(
                           'from', jsonb_build_object('id', x.id, 'state', 'open', 'due_date', x.requested_due),
                           'to', jsonb_build_object('id', x.id, 'state', 'refused', 'due_date', NULL)));
        ELSE
            -- The coordinator grants the date asked for, or names another.
            want := coalesce(want, x.requested_due);
            IF t.due_date IS NOT NULL AND want <= t.due_date THEN
                RETURN QUERY SELECT 'refused', 'invalid', 'due_date',
                                    format('must be later than the current due date, %s', t.due_date), t;
                RETURN;
            END IF;
            UPDATE extension_requests e SET state = 'approved', granted_due = want, previous_due = t.due_date,
                                            decision_note = why, decided_by = p_actor, decided_at = now()
            WHERE e.id = x.id;
            kind := 'extension.approved';
            changes := jsonb_build_object(
                'due_date', jsonb_build_object('from', t.due_date, 'to', want),
                'extension', jsonb_build_object(
                    'from', jsonb_build_object('id', x.id, 'state', 'open', 'due_date', x.requested_due),
                    'to', jsonb_build_object('id', x.id, 'state', 'approved', 'due_date', want)));
            t.due_date := want;
        END IF;

    ELSE
        RAISE EXCEPTION 'task_supervise: unknown action %', p_action;
    END IF;

    UPDATE tasks y SET
        receipt = t.receipt,
        agency_code = t.agency_code,
        role = t.role,
        due_date = t.due_date,
        version = y.version + 1,
        updated_at = now(),
        updated_by = p_actor
    WHERE y.id = t.id
    RETURNING y.* INTO t;
    INSERT INTO events (actor_id, subject_type, subject_id, kind, changes, note)
    VALUES (p_actor, 'task', t.id, kind, changes, why);
    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, NULL::text, t;
END
$$;

-- A task's extension requests as JSON, newest first (GET .../extensions and
-- the task's answer), with who asked and who decided.
CREATE OR REPLACE FUNCTION extension_request_json(e extension_requests) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', e.id,
        'state', e.state,
        'requested_due', e.requested_due,
        'reason', e.reason,
        'requested_by', (SELECT u.username FROM users u WHERE u.id = e.requested_by),
        'requested_at', e.requested_at,
        'previous_due', e.previous_due,
        'granted_due', e.granted_due,
        'decision_note', e.decision_note,
        'decided_by', (SELECT u.username FROM users u WHERE u.id = e.decided_by),
        'decided_at', e.decided_at)
$$;

-- The due date a task had before its first approved extension: the date it
-- was given, which stays shown beside the current one. The current one when
-- no extension was granted. PL/pgSQL: as SQL (a subquery, so never inlined)
-- its text was planned again for every page of tasks that called it.
CREATE OR REPLACE FUNCTION task_original_due(p_task bigint, p_due date) RETURNS date
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN coalesce((SELECT e.previous_due FROM extension_requests e
                     WHERE e.task_id = p_task AND e.state = 'approved'
                     ORDER BY e.decided_at, e.id LIMIT 1), p_due);
END
$$;

-- A work item's receipt (POST /api/v1/work-items/{id}/receive, /send-back):
-- the party carrying it (work_item_carried) receives it, or sends it back
-- with a reason before any work is reported on it; a coordinator then names
-- its party again (work_item_update()). Answers as task_supervise() does,
-- with the item.
DROP FUNCTION IF EXISTS work_item_supervise(bigint, bigint, text, text, text, text, jsonb);
CREATE FUNCTION work_item_supervise(p_item bigint, p_actor bigint, p_role text, p_agency text,
                                    p_province text, p_action text, p_fields jsonb)
RETURNS TABLE (outcome text, reason text, field text, detail text, item work_items)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    w work_items;
    why text := nullif(btrim(p_fields->>'reason'), '');
    kind text;
    changes jsonb;
BEGIN
    PERFORM audit_write_lock(true);  -- exclusive: a work item rolls up into its task (09_audit_locks.sql)
    SELECT x.* INTO w FROM work_items x JOIN tasks t ON t.id = x.task_id
    WHERE x.id = p_item AND x.removed_at IS NULL
      AND ((p_role = 'agency' AND x.agency_code = p_agency AND (p_province IS NULL OR t.province_code = p_province))
           OR (p_role = 'province' AND x.province_code = p_province))
    FOR UPDATE OF x;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'refused', 'not_found', NULL::text, refusal_not_found('work item', p_item::text),
                            NULL::work_items;
        RETURN;
    END IF;
    IF p_action = 'receive' THEN
        IF w.receipt <> 'unreceived' THEN
            RETURN QUERY SELECT 'refused', 'receipt_state', NULL::text,
                CASE w.receipt WHEN 'received' THEN 'the work item is already received'
                     ELSE 'the work item was sent back: it waits for the coordinator to re-assign it' END, w;
            RETURN;
        END IF;
        kind := 'work_item.received';
    ELSIF p_action = 'send_back' THEN
        IF w.receipt = 'sent_back' THEN
            RETURN QUERY SELECT 'refused', 'receipt_state', NULL::text,
                                'the work item is already sent back: it waits for the coordinator to re-assign it', w;
            RETURN;
        END IF;
        IF w.status <> 'not_started' OR w.progress <> 0 THEN
            RETURN QUERY SELECT 'refused', 'work_started', NULL::text, NULL::text, w;
            RETURN;
        END IF;
        IF why IS NULL THEN
            RETURN QUERY SELECT 'refused', 'invalid', 'reason',
                                'say why the work item is not yours (and, if you know, whose it is)', w;
            RETURN;
        END IF;
        kind := 'work_item.sent_back';
    ELSE
        RAISE EXCEPTION 'work_item_supervise: unknown action %', p_action;
    END IF;
    changes := jsonb_build_object('receipt', jsonb_build_object(
        'from', w.receipt, 'to', CASE p_action WHEN 'receive' THEN 'received' ELSE 'sent_back' END));
    UPDATE work_items x SET receipt = changes->'receipt'->>'to', version = x.version + 1,
                            updated_at = now(), updated_by = p_actor
    WHERE x.id = w.id
    RETURNING x.* INTO w;
    INSERT INTO events (actor_id, subject_type, subject_id, kind, changes, note)
    VALUES (p_actor, 'work_item', w.id, kind, changes, why);
    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, NULL::text, w;
END
$$;

-- Work items (migration 0020): a task split into pieces, each with its own
-- due date and one responsible party, an agency or a provincial office. The
-- rules are documented in docs/workflow.md ("Work items").
--
-- The roll-up. A task with live (not removed) work items takes its status and
-- progress from them, in this order:
--   every item verified                          -> verified
--   every item done (completed or verified)      -> completed
--   any item blocked                             -> blocked
--   any item past not_started                    -> in_progress
--   otherwise                                    -> not_started
-- and progress is the items' mean, rounded to a whole number (a done item is
-- at 100, so a completed task is too). Every write below re-applies it in the
-- same transaction; when the task's status or progress moves, the task gets
-- an event of its own (kind task.rolled_up), so that the task's history, the
-- change feed and the dashboards "as of" a day (task_event_states, 0012) see
-- it as any other change. A task whose last item is removed keeps the state
-- the items left it in, and is changed directly again.

-- The task's status and progress as its live items make them; items 0 and
-- NULLs when it has none.
CREATE OR REPLACE FUNCTION work_items_rolled(p_task bigint)
RETURNS TABLE (items integer, status text, progress integer)
LANGUAGE sql STABLE AS $$
    SELECT count(*)::integer,
           CASE WHEN count(*) = 0 THEN NULL
                WHEN bool_and(w.status = 'verified') THEN 'verified'
                WHEN bool_and(s.done) THEN 'completed'
                WHEN bool_or(w.status = 'blocked') THEN 'blocked'
                WHEN bool_or(w.status <> 'not_started') THEN 'in_progress'
                ELSE 'not_started'
           END,
           round(avg(w.progress))::integer
    FROM work_items w
    JOIN task_statuses s ON s.status = w.status
    WHERE w.task_id = p_task AND w.removed_at IS NULL
$$;

-- Applies the roll-up to the task: when its status or progress moves, the
-- task is updated (a new version, as any change) and the event recorded,
-- with the note of the change that caused it. The caller holds the chain's
-- lock.
CREATE OR REPLACE FUNCTION work_items_roll_up(p_task bigint, p_actor bigint, p_note text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    t tasks;
    changes jsonb := '{}';
BEGIN
    SELECT * INTO r FROM work_items_rolled(p_task);
    IF r.items = 0 THEN
        RETURN;
    END IF;
    SELECT * INTO t FROM tasks x WHERE x.id = p_task FOR UPDATE;
    IF r.status IS DISTINCT FROM t.status THEN
        changes := changes || jsonb_build_object('status', jsonb_build_object('from', t.status, 'to', r.status));
    END IF;
    IF r.progress IS DISTINCT FROM t.progress THEN
        changes := changes || jsonb_build_object('progress', jsonb_build_object('from', t.progress, 'to', r.progress));
    END IF;
    IF changes = '{}' THEN
        RETURN;
    END IF;
    UPDATE tasks x SET
        status = r.status,
        progress = r.progress,
        version = x.version + 1,
        updated_at = now(),
        updated_by = p_actor
    WHERE x.id = p_task;
    INSERT INTO events (actor_id, subject_type, subject_id, kind, changes, note)
    VALUES (p_actor, 'task', p_task, 'task.rolled_up', changes, p_note);
END
$$;

-- What is wrong with the responsible party a change names (agency or office),
-- for task t: (field, detail), or no row when nothing is. An agency is any of
-- the catalogue's; an office is the task's own province's.
CREATE OR REPLACE FUNCTION work_item_party_error(p_fields jsonb, t tasks)
RETURNS TABLE (field text, detail text)
LANGUAGE sql STABLE AS $$
    SELECT 'agency', format('''%s'' matches no agency in the catalogue', left(p_fields->>'agency', 64))
    WHERE p_fields ? 'agency'
      AND NOT EXISTS (SELECT 1 FROM agencies a WHERE a.code = p_fields->>'agency')
    UNION ALL
    SELECT 'office', format('must be the task''s province, %s: a provincial office carries work items of tasks in its province',
                            t.province_code)
    WHERE p_fields ? 'office' AND p_fields->>'office' IS DISTINCT FROM t.province_code
    LIMIT 1
$$;

-- The node a change sends a work item to (decomposition to a node, migration
-- 0028): (node_id, field, detail). node_id is the node p_fields names (NULL
-- when it names null), or p_current when it names none; detail says what is
-- wrong, if anything: a node goes with an item the provincial office carries
-- (p_office, the item's office after the change), and is one of the task's
-- province. An item that changes to an agency leaves its node.
CREATE OR REPLACE FUNCTION work_item_node(p_fields jsonb, t tasks, p_office text, p_current bigint,
                                          OUT node_id bigint, OUT detail text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF NOT p_fields ? 'node' THEN
        node_id := CASE WHEN p_office IS NULL THEN NULL ELSE p_current END;
        RETURN;
    END IF;
    IF jsonb_typeof(p_fields->'node') = 'null' THEN
        RETURN;
    END IF;
    IF p_office IS NULL THEN
        detail := 'only an item the provincial office carries goes to a node: name office (the task''s province) too';
        RETURN;
    END IF;
    SELECT n.id INTO node_id FROM org_nodes n
    WHERE n.code = p_fields->>'node' AND n.province_code = t.province_code;
    IF NOT FOUND THEN
        detail := format('''%s'' matches no node of %s, the task''s province (GET /api/v1/provinces/%s/nodes)',
                         left(p_fields->>'node', 64), t.province_code, t.province_code);
    END IF;
END
$$;

-- A stale work item's sentence (the refusal table's speaks of a task).
CREATE OR REPLACE FUNCTION work_item_stale_detail() RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'the work item changed since you read it: GET it again (its ETag is in this answer), '
           're-apply your change, and send that ETag'
$$;

-- Splits off one work item: POST /api/v1/tasks/{id}/work-items, coordinators
-- and admins (the route says so; this says it again). p_fields holds
-- title_zh, title_en, due_date, agency or office, sort_order, checked for type
-- and format by the daemon. Adding an item to a done task re-opens it, and so
-- needs a note, as re-opening does.
--
-- Answers as every write does (lib/api/refusal.h): 'ok' with the new item and
-- its version, or 'refused' with a reason: not_found (no such task),
-- invalid (field and detail say what), note_required, or work_item_limit.
DROP FUNCTION IF EXISTS work_item_create(bigint, bigint, text, jsonb, text);
CREATE FUNCTION work_item_create(p_task bigint, p_actor bigint, p_role text, p_fields jsonb,
                                 p_note text)
RETURNS TABLE (outcome text, reason text, field text, detail text, current_version integer,
               item work_items)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    t tasks;
    w work_items;
    bad record;
    nd record;
    changes jsonb;
BEGIN
    -- The writers' lock first (exclusive: a work item's change rolls up into
    -- its task's row), then the task's row.
    PERFORM audit_write_lock(true);
    SELECT * INTO t FROM tasks x
    WHERE x.id = p_task AND p_role IN ('coordinator', 'admin')
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'refused', 'not_found', NULL::text, refusal_not_found('task', p_task::text),
                            NULL::integer, NULL::work_items;
        RETURN;
    END IF;
    SELECT * INTO bad FROM work_item_party_error(p_fields, t);
    IF FOUND THEN
        RETURN QUERY SELECT 'refused', 'invalid', bad.field, bad.detail, NULL::integer, NULL::work_items;
        RETURN;
    END IF;
    SELECT * INTO nd FROM work_item_node(p_fields, t, p_fields->>'office', NULL);
    IF nd.detail IS NOT NULL THEN
        RETURN QUERY SELECT 'refused', 'invalid', 'node', nd.detail, NULL::integer, NULL::work_items;
        RETURN;
    END IF;
    IF (SELECT count(*) FROM work_items x WHERE x.task_id = p_task AND x.removed_at IS NULL) >= 50 THEN
        RETURN QUERY SELECT 'refused', 'work_item_limit', NULL::text, NULL::text, NULL::integer, NULL::work_items;
        RETURN;
    END IF;
    IF (SELECT s.done FROM task_statuses s WHERE s.status = t.status)
       AND coalesce(btrim(p_note), '') = '' THEN
        RETURN QUERY SELECT 'refused', 'note_required', 'note',
                            format('the task is %s: a new work item re-opens it; say why in note', t.status),
                            NULL::integer, NULL::work_items;
        RETURN;
    END IF;

    INSERT INTO work_items (task_id, title_zh, title_en, due_date, agency_code, province_code,
                            org_node_id, last_note, sort_order, created_by, updated_by)
    VALUES (p_task, p_fields->>'title_zh', p_fields->>'title_en', (p_fields->>'due_date')::date,
            p_fields->>'agency', p_fields->>'office', nd.node_id, p_note,
            coalesce((p_fields->>'sort_order')::integer,
                     (SELECT least(coalesce(max(x.sort_order), 0) + 1, 10000)
                      FROM work_items x WHERE x.task_id = p_task)),
            p_actor, p_actor)
    RETURNING * INTO w;

    -- Every field as set anew ("from" null), the task included, so that the
    -- item's history alone says what it was at any time (work_items_as_of()).
    changes := jsonb_build_object(
        'task', jsonb_build_object('from', NULL, 'to', w.task_id),
        'title_zh', jsonb_build_object('from', NULL, 'to', w.title_zh),
        'due_date', jsonb_build_object('from', NULL, 'to', w.due_date),
        'status', jsonb_build_object('from', NULL, 'to', w.status),
        'progress', jsonb_build_object('from', NULL, 'to', w.progress),
        'sort_order', jsonb_build_object('from', NULL, 'to', w.sort_order));
    IF w.title_en IS NOT NULL THEN
        changes := changes || jsonb_build_object('title_en', jsonb_build_object('from', NULL, 'to', w.title_en));
    END IF;
    IF w.agency_code IS NOT NULL THEN
        changes := changes || jsonb_build_object('agency', jsonb_build_object('from', NULL, 'to', w.agency_code));
    ELSE
        changes := changes || jsonb_build_object('office', jsonb_build_object('from', NULL, 'to', w.province_code));
    END IF;
    IF w.org_node_id IS NOT NULL THEN
        changes := changes || jsonb_build_object('node', jsonb_build_object(
            'from', NULL, 'to', (SELECT n.code FROM org_nodes n WHERE n.id = w.org_node_id)));
    END IF;
    INSERT INTO events (actor_id, subject_type, subject_id, kind, changes, note)
    VALUES (p_actor, 'work_item', w.id, 'work_item.created', changes, p_note);

    PERFORM work_items_roll_up(p_task, p_actor, p_note);
    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, NULL::text, w.version, w;
END
$$;

-- One change to one work item (PATCH /api/v1/work-items/{id}), atomically:
-- scope, version, the task workflow's transitions (task_transitions), field
-- rights, the change, its event, and the task's roll-up with its event.
--
-- Scope: coordinators and admins any item; an agency officer the items its
-- agency carries (of tasks in its province, when bound to one); a provincial
-- office the items its office carries (a user scoped to a node, p_province
-- being that node's code, only those of the node's subtree: org_node_covers()).
-- Out of scope answers not_found, as
-- for tasks. The responsible party takes the transitions task_transitions
-- gives the role `agency` (a provincial office carrying an item included);
-- coordinators theirs; admins none. The plan (title_zh, title_en, due_date, node,
-- agency or office, sort_order) is the coordinators' and admins'.
--
-- Answers as task_update() does: 'ok', or 'refused' with not_found, stale,
-- transition_not_allowed, role_may_not_transition, note_required,
-- progress_locked_when_done, or invalid.
DROP FUNCTION IF EXISTS work_item_update(bigint, bigint, text, text, text, integer, jsonb, text);
CREATE FUNCTION work_item_update(p_item bigint, p_actor bigint, p_role text, p_agency text,
                                 p_province text, p_version integer, p_fields jsonb, p_note text)
RETURNS TABLE (outcome text, reason text, field text, detail text, current_version integer,
               item work_items)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    w work_items;
    t tasks;
    tr task_transitions;
    bad record;
    plan_field text;
    acting text := CASE WHEN p_role = 'province' THEN 'agency' ELSE p_role END;
    new_status text;
    new_progress integer;
    new_agency text;
    new_office text;
    nd record;
    changes jsonb := '{}';
    f text;
BEGIN
    IF task_change_status_error(p_fields) IS NOT NULL THEN
        RETURN QUERY SELECT 'refused', 'invalid', 'status', task_change_status_error(p_fields),
                            NULL::integer, NULL::work_items;
        RETURN;
    END IF;
    PERFORM audit_write_lock(true);  -- exclusive: rolls up into its task (09_audit_locks.sql)
    SELECT x.* INTO w FROM work_items x
    JOIN tasks y ON y.id = x.task_id
    WHERE x.id = p_item AND x.removed_at IS NULL
      AND (p_role IN ('coordinator', 'admin')
           OR (p_role = 'agency' AND x.agency_code = p_agency
               AND (p_province IS NULL OR y.province_code = p_province))
           -- p_province: the province, or the code of the node the user is scoped to
           OR (p_role = 'province' AND org_node_covers(p_province, x.province_code, x.org_node_id)))
    FOR UPDATE OF x;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'refused', 'not_found', NULL::text, refusal_not_found('work item', p_item::text),
                            NULL::integer, NULL::work_items;
        RETURN;
    END IF;
    IF w.version <> p_version THEN
        RETURN QUERY SELECT 'refused', 'stale', NULL::text, work_item_stale_detail(), w.version, w;
        RETURN;
    END IF;
    SELECT * INTO t FROM tasks y WHERE y.id = w.task_id;

    SELECT k INTO plan_field
    FROM jsonb_object_keys(p_fields) k
    WHERE k IN ('title_zh', 'title_en', 'due_date', 'agency', 'office', 'node', 'sort_order')
    ORDER BY k LIMIT 1;
    IF plan_field IS NOT NULL AND p_role NOT IN ('coordinator', 'admin') THEN
        RETURN QUERY SELECT 'refused', 'invalid', plan_field,
                            'only a coordinator or an admin may change a work item''s title, due date, responsible party or order',
                            NULL::integer, w;
        RETURN;
    END IF;
    IF p_fields ? 'progress' AND p_role = 'admin' THEN
        RETURN QUERY SELECT 'refused', 'invalid', 'progress',
                            'only the responsible agency or office, or a coordinator, reports progress',
                            NULL::integer, w;
        RETURN;
    END IF;

    new_status := coalesce(p_fields->>'status', w.status);
    new_progress := coalesce((p_fields->>'progress')::integer, w.progress);
    IF new_status <> w.status THEN
        SELECT * INTO tr FROM task_transitions
        WHERE from_status = w.status AND to_status = new_status;
        IF NOT FOUND THEN
            RETURN QUERY SELECT 'refused', 'transition_not_allowed', 'status', NULL::text, NULL::integer, w;
            RETURN;
        END IF;
        IF NOT acting = ANY (tr.roles) THEN
            RETURN QUERY SELECT 'refused', 'role_may_not_transition', 'status', NULL::text, NULL::integer, w;
            RETURN;
        END IF;
        IF tr.note_required AND coalesce(btrim(p_note), '') = '' THEN
            RETURN QUERY SELECT 'refused', 'note_required', 'note', NULL::text, NULL::integer, w;
            RETURN;
        END IF;
        IF tr.sets_progress IS NOT NULL THEN
            IF p_fields ? 'progress' AND new_progress <> tr.sets_progress THEN
                RETURN QUERY SELECT 'refused', 'invalid', 'progress',
                                    'must be 100 (or left out) when completing', NULL::integer, w;
                RETURN;
            END IF;
            new_progress := tr.sets_progress;
        END IF;
    END IF;
    IF p_fields ? 'progress' AND tr.sets_progress IS NULL
       AND (SELECT done FROM task_statuses WHERE status = new_status) AND new_progress <> w.progress THEN
        RETURN QUERY SELECT 'refused', 'progress_locked_when_done', 'progress', NULL::text, NULL::integer, w;
        RETURN;
    END IF;

    SELECT * INTO bad FROM work_item_party_error(p_fields, t);
    IF FOUND THEN
        RETURN QUERY SELECT 'refused', 'invalid', bad.field, bad.detail, NULL::integer, w;
        RETURN;
    END IF;
    -- One responsible party: naming one replaces the other.
    new_agency := CASE WHEN p_fields ? 'agency' THEN p_fields->>'agency'
                       WHEN p_fields ? 'office' THEN NULL ELSE w.agency_code END;
    new_office := CASE WHEN p_fields ? 'office' THEN p_fields->>'office'
                       WHEN p_fields ? 'agency' THEN NULL ELSE w.province_code END;
    SELECT * INTO nd FROM work_item_node(p_fields, t, new_office, w.org_node_id);
    IF nd.detail IS NOT NULL THEN
        RETURN QUERY SELECT 'refused', 'invalid', 'node', nd.detail, NULL::integer, w;
        RETURN;
    END IF;

    IF new_status IS DISTINCT FROM w.status THEN
        changes := changes || jsonb_build_object('status', jsonb_build_object('from', w.status, 'to', new_status));
    END IF;
    IF new_progress IS DISTINCT FROM w.progress THEN
        changes := changes || jsonb_build_object('progress', jsonb_build_object('from', w.progress, 'to', new_progress));
    END IF;
    IF new_agency IS DISTINCT FROM w.agency_code THEN
        changes := changes || jsonb_build_object('agency', jsonb_build_object('from', w.agency_code, 'to', new_agency));
    END IF;
    IF new_office IS DISTINCT FROM w.province_code THEN
        changes := changes || jsonb_build_object('office', jsonb_build_object('from', w.province_code, 'to', new_office));
    END IF;
    -- Re-assignment (docs/workflow.md, "Receipt and send-back"): an item
    -- given to another party, or a sent-back one whose party a coordinator
    -- names again (the same one: confirmed), waits to be received anew.
    IF new_agency IS DISTINCT FROM w.agency_code OR new_office IS DISTINCT FROM w.province_code
       OR (w.receipt = 'sent_back' AND (p_fields ? 'agency' OR p_fields ? 'office')) THEN
        IF w.receipt <> 'unreceived' THEN
            changes := changes || jsonb_build_object('receipt', jsonb_build_object('from', w.receipt, 'to', 'unreceived'));
        END IF;
        w.receipt := 'unreceived';
    END IF;
    IF nd.node_id IS DISTINCT FROM w.org_node_id THEN
        changes := changes || jsonb_build_object('node', jsonb_build_object(
            'from', (SELECT n.code FROM org_nodes n WHERE n.id = w.org_node_id),
            'to', (SELECT n.code FROM org_nodes n WHERE n.id = nd.node_id)));
    END IF;
    FOREACH f IN ARRAY ARRAY['title_zh', 'title_en', 'due_date', 'sort_order'] LOOP
        IF p_fields ? f AND (p_fields->f) IS DISTINCT FROM (to_jsonb(w)->f) THEN
            changes := changes || jsonb_build_object(f, jsonb_build_object('from', to_jsonb(w)->f, 'to', p_fields->f));
        END IF;
    END LOOP;

    UPDATE work_items x SET
        status = new_status,
        progress = new_progress,
        agency_code = new_agency,
        province_code = new_office,
        receipt = w.receipt,
        org_node_id = nd.node_id,
        title_zh = CASE WHEN p_fields ? 'title_zh' THEN p_fields->>'title_zh' ELSE x.title_zh END,
        title_en = CASE WHEN p_fields ? 'title_en' THEN p_fields->>'title_en' ELSE x.title_en END,
        due_date = CASE WHEN p_fields ? 'due_date' THEN (p_fields->>'due_date')::date ELSE x.due_date END,
        sort_order = CASE WHEN p_fields ? 'sort_order' THEN (p_fields->>'sort_order')::integer ELSE x.sort_order END,
        last_note = coalesce(p_note, x.last_note),
        version = x.version + 1,
        updated_at = now(),
        updated_by = p_actor
    WHERE x.id = p_item
    RETURNING x.* INTO w;

    INSERT INTO events (actor_id, subject_type, subject_id, kind, changes, note)
    VALUES (p_actor, 'work_item', p_item,
            CASE WHEN changes ? 'status' THEN 'work_item.status_changed'
                 WHEN changes = '{}' THEN 'work_item.noted' ELSE 'work_item.updated' END,
            changes, p_note);

    IF changes ? 'status' OR changes ? 'progress' THEN
        PERFORM work_items_roll_up(w.task_id, p_actor, p_note);
    END IF;
    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, NULL::text, w.version, w;
END
$$;

-- Removes a work item (DELETE /api/v1/work-items/{id}): coordinators and
-- admins, with the item's version, and only while no work was reported on
-- it: its status and progress never changed since it was created. One that
-- has such a history stays in the record (refused: has_history); the plan
-- can still change (due date, responsible party). The row stays, marked
-- removed, so its events keep their task; the task rolls up without it.
DROP FUNCTION IF EXISTS work_item_remove(bigint, bigint, text, integer);
CREATE FUNCTION work_item_remove(p_item bigint, p_actor bigint, p_role text, p_version integer)
RETURNS TABLE (outcome text, reason text, field text, detail text, current_version integer,
               item work_items)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    w work_items;
BEGIN
    PERFORM audit_write_lock(true);  -- exclusive, before any row (09_audit_locks.sql)
    SELECT * INTO w FROM work_items x
    WHERE x.id = p_item AND x.removed_at IS NULL AND p_role IN ('coordinator', 'admin')
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'refused', 'not_found', NULL::text, refusal_not_found('work item', p_item::text),
                            NULL::integer, NULL::work_items;
        RETURN;
    END IF;
    IF w.version <> p_version THEN
        RETURN QUERY SELECT 'refused', 'stale', NULL::text, work_item_stale_detail(), w.version, w;
        RETURN;
    END IF;
    IF w.status <> 'not_started' OR w.progress <> 0
       OR EXISTS (SELECT 1 FROM events e
                  WHERE e.subject_type = 'work_item' AND e.subject_id = w.id
                    AND e.kind <> 'work_item.created'
                    AND (e.changes ? 'status' OR e.changes ? 'progress')) THEN
        RETURN QUERY SELECT 'refused', 'has_history', NULL::text, NULL::text, NULL::integer, w;
        RETURN;
    END IF;

    UPDATE work_items x SET
        removed_at = now(),
        removed_by = p_actor,
        version = x.version + 1,
        updated_at = now(),
        updated_by = p_actor
    WHERE x.id = p_item
    RETURNING x.* INTO w;
    INSERT INTO events (actor_id, subject_type, subject_id, kind, changes)
    VALUES (p_actor, 'work_item', p_item, 'work_item.removed',
            jsonb_build_object('removed', jsonb_build_object('from', false, 'to', true)));
    PERFORM work_items_roll_up(w.task_id, p_actor, NULL);
    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, NULL::text, w.version, w;
END
$$;

-- The value a field of a work item had at the end of `day`: the "to" of the
-- latest event that set it, as task_field_at() for tasks.
CREATE OR REPLACE FUNCTION work_item_field_at(p_item bigint, p_field text, p_day date) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT e.changes -> p_field -> 'to'
    FROM events e
    WHERE e.subject_type = 'work_item' AND e.subject_id = p_item AND e.changes ? p_field
      AND e.at < p_day + 1
    ORDER BY e.id DESC LIMIT 1
$$;

-- The work items as they stood at the end of p_day, rebuilt from their
-- events (each item's first event sets every field), for the dashboards "as
-- of" a day: those created by then and not yet removed, with their status,
-- progress, due date and responsible party then, and whether they were
-- overdue then (the rule of tasks_as_of()). Items are few beside their
-- tasks' events, so this reads the trail directly, as 0009 did for tasks.
-- STRICT so that it is not inlined: built once per statement, for
-- tasks_as_of()'s reason.
CREATE OR REPLACE FUNCTION work_items_as_of(p_day date)
RETURNS TABLE (id bigint, task_id bigint, agency_code text, province_code text, status text,
               progress integer, due_date date, is_overdue boolean)
LANGUAGE sql STABLE STRICT AS $$
    SELECT x.id, x.task_id, x.agency_code, x.province_code, x.status, x.progress, x.due_date,
           coalesce(x.due_date < p_day, false) AND x.status NOT IN ('completed', 'verified')
    FROM (
        SELECT w.id,
               w.task_id,
               work_item_field_at(w.id, 'agency', p_day) #>> '{}' AS agency_code,
               work_item_field_at(w.id, 'office', p_day) #>> '{}' AS province_code,
               coalesce(work_item_field_at(w.id, 'status', p_day) #>> '{}', 'not_started') AS status,
               coalesce((work_item_field_at(w.id, 'progress', p_day) #>> '{}')::integer, 0) AS progress,
               (work_item_field_at(w.id, 'due_date', p_day) #>> '{}')::date AS due_date
        FROM work_items w
        WHERE w.created_at < p_day + 1
          AND (w.removed_at IS NULL OR w.removed_at >= p_day + 1)
    ) x
$$;

-- Per-task fields kept on the task's row (migration 0034), so that a task's
-- JSON (sql/fragments/task_fields.sql) reads them instead of looking each up
-- per row. Each is a function of other tables only, kept here by triggers on
-- those tables, in the writing transaction: a task's own writes (a status
-- change above all) fire none of them. The same statements as the migration's
-- backfill; tests/e2e/test_task_kept_fields.py compares the kept values with
-- them after every kind of write.

-- A task's extension fields, from its requests: the previous_due of its first
-- approved one and the id of its open one. Written only when they change,
-- so that a request that changes neither does not touch the task.
CREATE OR REPLACE FUNCTION task_kept_extensions(p_task bigint) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    UPDATE tasks t
    SET due_date_before_extensions = k.before, extension_open_id = k.open_id
    FROM (SELECT (SELECT e.previous_due FROM extension_requests e
                  WHERE e.task_id = p_task AND e.state = 'approved'
                  ORDER BY e.decided_at, e.id LIMIT 1) AS before,
                 (SELECT e.id FROM extension_requests e
                  WHERE e.task_id = p_task AND e.state = 'open') AS open_id) k
    WHERE t.id = p_task
      AND (t.due_date_before_extensions IS DISTINCT FROM k.before
           OR t.extension_open_id IS DISTINCT FROM k.open_id)
$$;

CREATE OR REPLACE FUNCTION task_kept_extensions_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM task_kept_extensions(OLD.task_id);
    END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.task_id <> OLD.task_id) THEN
        PERFORM task_kept_extensions(NEW.task_id);
    END IF;
    RETURN NULL;
END
$$;

-- How many of a task's work items are live (not removed).
CREATE OR REPLACE FUNCTION task_kept_work_items(p_task bigint) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    UPDATE tasks t
    SET work_items_live = k.n
    FROM (SELECT count(*)::integer AS n FROM work_items w
          WHERE w.task_id = p_task AND w.removed_at IS NULL) k
    WHERE t.id = p_task AND t.work_items_live <> k.n
$$;

CREATE OR REPLACE FUNCTION task_kept_work_items_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM task_kept_work_items(OLD.task_id);
    END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.task_id <> OLD.task_id) THEN
        PERFORM task_kept_work_items(NEW.task_id);
    END IF;
    RETURN NULL;
END
$$;

-- Whether the ladder has escalated a task: escalation runs insert many rows
-- in one statement, so this takes them as a set (rows are only ever added;
-- a removal is recounted all the same).
CREATE OR REPLACE FUNCTION task_kept_escalated(p_tasks bigint[]) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    UPDATE tasks t
    SET escalated = k.escalated
    FROM (SELECT c.id, EXISTS (SELECT 1 FROM escalations x
                               WHERE x.subject_type = 'task' AND x.subject_id = c.id) AS escalated
          FROM unnest(p_tasks) c(id)) k
    WHERE t.id = k.id AND t.escalated <> k.escalated
$$;

CREATE OR REPLACE FUNCTION task_kept_escalated_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM task_kept_escalated(ARRAY(SELECT DISTINCT subject_id FROM new_rows WHERE subject_type = 'task'));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM task_kept_escalated(ARRAY(SELECT subject_id FROM new_rows WHERE subject_type = 'task'
                                          UNION SELECT subject_id FROM old_rows WHERE subject_type = 'task'));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM task_kept_escalated(ARRAY(SELECT DISTINCT subject_id FROM old_rows WHERE subject_type = 'task'));
    ELSE
        UPDATE tasks SET escalated = false WHERE escalated;
    END IF;
    RETURN NULL;
END
$$;

-- A measure's document code, from its document.
CREATE OR REPLACE FUNCTION measure_kept_document_code() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    NEW.document_code := (SELECT d.code FROM documents d WHERE d.id = NEW.document_id);
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION document_kept_code_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE measures m SET document_code = NEW.code
    WHERE m.document_id = NEW.id AND m.document_code IS DISTINCT FROM NEW.code;
    RETURN NULL;
END
$$;

-- The writes, per table. Work items: only their creation, removal (or
-- return) and a move to another task change the count, so a work item's
-- status change (which rolls up into its task) does not fire this.
DROP TRIGGER IF EXISTS task_kept_extensions ON extension_requests;
CREATE TRIGGER task_kept_extensions AFTER INSERT OR DELETE OR UPDATE OF task_id, state, previous_due, decided_at
    ON extension_requests
    FOR EACH ROW EXECUTE FUNCTION task_kept_extensions_changed();

DROP TRIGGER IF EXISTS task_kept_work_items_inserted ON work_items;
DROP TRIGGER IF EXISTS task_kept_work_items_updated ON work_items;
DROP TRIGGER IF EXISTS task_kept_work_items_deleted ON work_items;
CREATE TRIGGER task_kept_work_items_inserted AFTER INSERT ON work_items
    FOR EACH ROW WHEN (NEW.removed_at IS NULL) EXECUTE FUNCTION task_kept_work_items_changed();
CREATE TRIGGER task_kept_work_items_updated AFTER UPDATE OF task_id, removed_at ON work_items
    FOR EACH ROW WHEN (OLD.task_id <> NEW.task_id OR (OLD.removed_at IS NULL) <> (NEW.removed_at IS NULL))
    EXECUTE FUNCTION task_kept_work_items_changed();
CREATE TRIGGER task_kept_work_items_deleted AFTER DELETE ON work_items
    FOR EACH ROW WHEN (OLD.removed_at IS NULL) EXECUTE FUNCTION task_kept_work_items_changed();

DROP TRIGGER IF EXISTS task_kept_escalated_inserted ON escalations;
DROP TRIGGER IF EXISTS task_kept_escalated_updated ON escalations;
DROP TRIGGER IF EXISTS task_kept_escalated_deleted ON escalations;
DROP TRIGGER IF EXISTS task_kept_escalated_truncated ON escalations;
CREATE TRIGGER task_kept_escalated_inserted AFTER INSERT ON escalations
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION task_kept_escalated_changed();
CREATE TRIGGER task_kept_escalated_updated AFTER UPDATE ON escalations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION task_kept_escalated_changed();
CREATE TRIGGER task_kept_escalated_deleted AFTER DELETE ON escalations
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION task_kept_escalated_changed();
CREATE TRIGGER task_kept_escalated_truncated AFTER TRUNCATE ON escalations
    FOR EACH STATEMENT EXECUTE FUNCTION task_kept_escalated_changed();

DROP TRIGGER IF EXISTS measure_kept_document_code ON measures;
DROP TRIGGER IF EXISTS document_kept_code ON documents;
CREATE TRIGGER measure_kept_document_code BEFORE INSERT OR UPDATE OF document_id, document_code ON measures
    FOR EACH ROW EXECUTE FUNCTION measure_kept_document_code();
CREATE TRIGGER document_kept_code AFTER UPDATE OF code ON documents
    FOR EACH ROW EXECUTE FUNCTION document_kept_code_changed();

-- Decomposition (分解): a coordinator splits a task into work items, each with
-- its own due date and one responsible party, an agency or a provincial
-- office. A task with work items takes its status and progress from them
-- (work_items_roll_up(), sql/definitions/24_work_items.sql); docs/workflow.md
-- gives the rules. The write functions are in that file too.

CREATE TABLE work_items (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id         bigint NOT NULL REFERENCES tasks,
    title_zh        text NOT NULL CHECK (btrim(title_zh) <> '' AND length(title_zh) <= 200),
    title_en        text CHECK (btrim(title_en) <> '' AND length(title_en) <= 200),
    due_date        date NOT NULL,          -- a Beijing date, as a task's
    -- Who carries it: an agency (any of the catalogue's, e.g. a supporting
    -- one), or the provincial office of the task's province (the role
    -- `province`); exactly one.
    agency_code     text REFERENCES agencies,
    province_code   text REFERENCES provinces,
    status          text NOT NULL DEFAULT 'not_started' REFERENCES task_statuses,
    progress        integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    last_note       text CHECK (length(last_note) <= 2000),
    sort_order      integer NOT NULL CHECK (sort_order BETWEEN 1 AND 10000),
    version         integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_by      bigint NOT NULL REFERENCES users,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_by      bigint REFERENCES users,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    -- Removed items stay, so that their events keep their task; they count
    -- for nothing once removed (work_item_remove()).
    removed_by      bigint REFERENCES users,
    removed_at      timestamptz,
    CHECK ((agency_code IS NULL) <> (province_code IS NULL)),
    CHECK ((removed_at IS NULL) = (removed_by IS NULL)),
    -- As for tasks (0005): a done item is whole. The done statuses are written
    -- out, as task_rag_at() does, for a CHECK cannot read task_statuses.
    CHECK (status NOT IN ('completed', 'verified') OR progress = 100)
);

CREATE INDEX work_items_task ON work_items (task_id, sort_order, id) WHERE removed_at IS NULL;
CREATE INDEX work_items_agency ON work_items (agency_code) WHERE removed_at IS NULL;
CREATE INDEX work_items_province ON work_items (province_code) WHERE removed_at IS NULL;
CREATE INDEX work_items_due ON work_items (due_date) WHERE removed_at IS NULL;

-- Items are never deleted, only marked removed: the daemon may not DELETE.
REVOKE DELETE ON work_items FROM policytrack_app;

-- The dashboards read work items (the overdue ones, and through the roll-up
-- every task's figures): their caches are emptied when items change, as 0010
-- does for every table a dashboard reads.
CREATE TRIGGER work_items_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON work_items
    FOR EACH STATEMENT EXECUTE FUNCTION notify_change('data');

-- Events about work items: subject_type 'work_item'. The CHECK of 0005 is
-- widened by one value, whatever it lists now (another migration may have
-- widened it already), rather than restated.
DO $$
DECLARE
    def text;
BEGIN
    SELECT pg_get_constraintdef(c.oid) INTO def
    FROM pg_constraint c
    WHERE c.conrelid = 'events'::regclass AND c.conname = 'events_subject_type_check';
    IF def IS NULL OR position('ARRAY[' IN def) = 0 THEN
        RAISE EXCEPTION 'events_subject_type_check is not the list this migration expects: %', def;
    END IF;
    IF position('''work_item''' IN def) = 0 THEN
        ALTER TABLE events DROP CONSTRAINT events_subject_type_check;
        EXECUTE 'ALTER TABLE events ADD CONSTRAINT events_subject_type_check '
                || replace(def, 'ARRAY[', 'ARRAY[''work_item''::text, ');
    END IF;
END
$$;

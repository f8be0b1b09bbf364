-- The escalation ladder (催办, issue 20 item 3): levels a task or work item
-- reaches as its due date nears and passes, and the record of each level
-- reached. The run that writes them and the ladder's change are functions of
-- sql/definitions/34_escalation.sql; docs/workflow.md ("Escalation") gives the
-- rules.

-- The ladder: one row per level, in order of `days` (the day, counted from
-- the due date, on which the level is reached: -3 three days before, 0 the
-- due day, 1 the first day overdue). The coordinators and admins replace it
-- with PUT /api/v1/escalation-ladder (escalation_ladder_put()).
CREATE TABLE escalation_levels (
    code            text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,31}$'),
    label_zh        text NOT NULL CHECK (btrim(label_zh) <> '' AND length(label_zh) <= 50),
    label_en        text NOT NULL CHECK (btrim(label_en) <> '' AND length(label_en) <= 50),
    days            integer NOT NULL UNIQUE CHECK (days BETWEEN -90 AND 365),
    -- Copied to the unit's leader (抄送单位负责人): the event says so and
    -- names the unit; whoever receives the trail (the reminders, a webhook)
    -- routes it. policytrack keeps no leaders' contact details.
    copy_leader     boolean NOT NULL DEFAULT false,
    -- Reached again every repeat_days days until the subject is done (only
    -- the last level may repeat: the ladder's top).
    repeat_days     integer CHECK (repeat_days BETWEEN 1 AND 90)
);

-- The levels of the offices' practice: a reminder three days before, a yellow
-- card on the due day, a red card once overdue, copied to the unit's leader
-- and repeated weekly until the task is done.
INSERT INTO escalation_levels (code, label_zh, label_en, days, copy_leader, repeat_days) VALUES
    ('reminder', '提醒',     'Reminder',            -3, false, NULL),
    ('yellow',   '黄牌督办', 'Yellow-card notice',   0, false, NULL),
    ('red',      '红牌督办', 'Red-card notice',      1, true,  7);

-- Each level a subject reached, once per due date, level and repeat: the
-- unique key makes a run idempotent and safe with several daemons. A new due
-- date (an extension, a re-dating) starts the ladder again.
CREATE TABLE escalations (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject_type    text NOT NULL CHECK (subject_type IN ('task', 'work_item')),
    subject_id      bigint NOT NULL,
    task_id         bigint NOT NULL REFERENCES tasks,
    due_date        date NOT NULL,
    -- The level as it was when reached (the ladder may change since).
    level           text NOT NULL,
    label_zh        text NOT NULL,
    label_en        text NOT NULL,
    rank            integer NOT NULL CHECK (rank >= 1),     -- its place in the ladder then, 1 the lowest
    repeat          integer NOT NULL CHECK (repeat >= 0),
    as_of           date NOT NULL,          -- the Beijing day the run judged
    days_to_due     integer NOT NULL,       -- due_date - as_of: negative once overdue
    -- The unit chased: the task's agency and province; a work item's agency or
    -- provincial office.
    agency_code     text REFERENCES agencies,
    province_code   text REFERENCES provinces,
    copy_leader     boolean NOT NULL,
    event_id        bigint NOT NULL REFERENCES events,
    at              timestamptz NOT NULL DEFAULT now(),
    UNIQUE (subject_type, subject_id, due_date, level, repeat)
);

CREATE INDEX escalations_subject ON escalations (subject_type, subject_id, id);
CREATE INDEX escalations_task ON escalations (task_id);

-- Read-only to the daemon, as every table since 0022 (default privileges):
-- it writes through the functions.

-- Dashboards and task lists show the current level: their caches are emptied
-- when escalations are written, as 0010 does for every table they read.
CREATE TRIGGER escalations_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON escalations
    FOR EACH STATEMENT EXECUTE FUNCTION notify_change('data');

-- A change of the ladder is an event of its own (subject_type
-- 'escalation_ladder', subject 0). The CHECK is widened by one value, as 0020
-- does, whatever it lists now.
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
    IF position('''escalation_ladder''' IN def) = 0 THEN
        ALTER TABLE events DROP CONSTRAINT events_subject_type_check;
        EXECUTE 'ALTER TABLE events ADD CONSTRAINT events_subject_type_check '
                || replace(def, 'ARRAY[', 'ARRAY[''escalation_ladder''::text, ');
    END IF;
END
$$;

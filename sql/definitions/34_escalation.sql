-- The escalation ladder (催办; migration 0026, docs/workflow.md "Escalation"):
-- the ladder as JSON, its replacement, and the run that records the level
-- each open task and work item has reached.

-- The ladder as the API serves it: levels in order, each with its rank (1 the
-- lowest).
CREATE OR REPLACE FUNCTION escalation_ladder_json() RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('levels', coalesce(json_agg(json_build_object(
               'code', l.code,
               'rank', l.rank,
               'label_zh', l.label_zh,
               'label_en', l.label_en,
               'days', l.days,
               'copy_leader', l.copy_leader,
               'repeat_days', l.repeat_days) ORDER BY l.days), '[]'))
    FROM (SELECT x.*, row_number() OVER (ORDER BY x.days)::integer AS rank
          FROM escalation_levels x) l
$$;

-- What is wrong with a ladder sent to PUT /api/v1/escalation-ladder: a JSON
-- object of field -> message (levels[N].field), empty when nothing is. A
-- level is {code, label_zh, label_en, days, copy_leader?, repeat_days?} (and
-- rank, ignored, so that what GET answers can be sent back);
-- 1-10 levels, codes unique, days rising strictly, only the last may repeat.
CREATE OR REPLACE FUNCTION escalation_ladder_errors(p_levels jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    errors jsonb := '{}';
    lv jsonb;
    i integer;
    n integer;
    f text;
    prev_days integer;
    codes text[] := '{}';
    at text;
BEGIN
    IF p_levels IS NULL OR jsonb_typeof(p_levels) <> 'array' THEN
        RETURN jsonb_build_object('levels', 'must be an array of 1 to 10 levels');
    END IF;
    n := jsonb_array_length(p_levels);
    IF n < 1 OR n > 10 THEN
        RETURN jsonb_build_object('levels', 'must hold 1 to 10 levels');
    END IF;
    FOR i IN 0 .. n - 1 LOOP
        lv := p_levels -> i;
        at := format('levels[%s]', i);
        IF jsonb_typeof(lv) <> 'object' THEN
            errors := errors || jsonb_build_object(at, 'must be an object');
            CONTINUE;
        END IF;
        FOR f IN SELECT k FROM jsonb_object_keys(lv) k
                 WHERE k NOT IN ('code', 'rank', 'label_zh', 'label_en', 'days', 'copy_leader', 'repeat_days')
        LOOP
            errors := errors || jsonb_build_object(at || '.' || left(f, 40), 'is not a field of a level');
        END LOOP;
        IF jsonb_typeof(lv -> 'code') IS DISTINCT FROM 'string'
           OR NOT (lv ->> 'code') ~ '^[a-z][a-z0-9_]{0,31}$' THEN
            errors := errors || jsonb_build_object(at || '.code',
                'is required: 1-32 of a-z 0-9 _, starting with a letter');
        ELSIF (lv ->> 'code') = ANY (codes) THEN
            errors := errors || jsonb_build_object(at || '.code', 'is used by an earlier level: codes are unique');
        ELSE
            codes := codes || (lv ->> 'code');
        END IF;
        FOREACH f IN ARRAY ARRAY['label_zh', 'label_en'] LOOP
            IF jsonb_typeof(lv -> f) IS DISTINCT FROM 'string' OR btrim(lv ->> f) = ''
               OR length(lv ->> f) > 50 THEN
                errors := errors || jsonb_build_object(at || '.' || f, 'is required: text of 1 to 50 characters');
            END IF;
        END LOOP;
        IF jsonb_typeof(lv -> 'days') IS DISTINCT FROM 'number'
           OR (lv ->> 'days') !~ '^-?[0-9]{1,3}$'
           OR (lv ->> 'days')::integer NOT BETWEEN -90 AND 365 THEN
            errors := errors || jsonb_build_object(at || '.days',
                'is required: a whole number of days from the due date, -90 to 365 (-3: three days before; 0: the due day; 1: the first day overdue)');
            prev_days := NULL;
        ELSE
            IF prev_days IS NOT NULL AND (lv ->> 'days')::integer <= prev_days THEN
                errors := errors || jsonb_build_object(at || '.days',
                    format('must be after the level before (%s): levels are in order of days', prev_days));
            END IF;
            prev_days := (lv ->> 'days')::integer;
        END IF;
        IF lv ? 'copy_leader' AND jsonb_typeof(lv -> 'copy_leader') <> 'boolean' THEN
            errors := errors || jsonb_build_object(at || '.copy_leader', 'must be true or false');
        END IF;
        IF lv ? 'repeat_days' AND jsonb_typeof(lv -> 'repeat_days') <> 'null' THEN
            IF jsonb_typeof(lv -> 'repeat_days') <> 'number'
               OR (lv ->> 'repeat_days') !~ '^[0-9]{1,2}$'
               OR (lv ->> 'repeat_days')::integer NOT BETWEEN 1 AND 90 THEN
                errors := errors || jsonb_build_object(at || '.repeat_days', 'must be a whole number of days, 1 to 90, or null');
            ELSIF i < n - 1 THEN
                errors := errors || jsonb_build_object(at || '.repeat_days',
                    'only the last level repeats (every N days until the task is done): leave it out here');
            END IF;
        END IF;
    END LOOP;
    RETURN errors;
END
$$;

-- Replaces the ladder (PUT /api/v1/escalation-ladder; coordinators and
-- admins, as the route says and this says again) and records the change as
-- an event. Escalations already recorded stay as they were reached; the new
-- ladder applies from the next run. Answers as every write does: 'ok' with
-- the ladder, or 'refused' with invalid and every problem in errors.
DROP FUNCTION IF EXISTS escalation_ladder_put(bigint, text, jsonb);
CREATE FUNCTION escalation_ladder_put(p_actor bigint, p_role text, p_levels jsonb)
RETURNS TABLE (outcome text, reason text, field text, detail text, errors json, ladder json)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    bad jsonb;
    old json;
    new json;
BEGIN
    IF p_role NOT IN ('coordinator', 'admin') THEN
        RAISE EXCEPTION 'escalation_ladder_put: role % may not change the ladder', p_role
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    bad := escalation_ladder_errors(p_levels);
    IF bad <> '{}' THEN
        RETURN QUERY SELECT 'refused', 'invalid', NULL::text, NULL::text, bad::json, NULL::json;
        RETURN;
    END IF;
    PERFORM audit_write_lock(true);  -- exclusive, before any row (09_audit_locks.sql)
    old := escalation_ladder_json();
    DELETE FROM escalation_levels;
    INSERT INTO escalation_levels (code, label_zh, label_en, days, copy_leader, repeat_days)
    SELECT lv ->> 'code', btrim(lv ->> 'label_zh'), btrim(lv ->> 'label_en'), (lv ->> 'days')::integer,
           coalesce((lv ->> 'copy_leader')::boolean, false), (lv ->> 'repeat_days')::integer
    FROM jsonb_array_elements(p_levels) lv;
    new := escalation_ladder_json();
    IF old::jsonb IS DISTINCT FROM new::jsonb THEN
        INSERT INTO events (actor_id, subject_type, subject_id, kind, changes)
        VALUES (p_actor, 'escalation_ladder', 0, 'escalation_ladder.changed',
                jsonb_build_object('levels', jsonb_build_object('from', old::jsonb -> 'levels',
                                                                'to', new::jsonb -> 'levels')));
    END IF;
    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, NULL::text, NULL::json, new;
END
$$;

-- The level each open subject (a task, or a live work item, not done, with a
-- due date) has reached on day p_today: the ladder's highest level whose day
-- (counted from the due date) has come, and for a repeating level how many
-- times it has repeated. One row per subject that has reached a level.
CREATE OR REPLACE FUNCTION escalation_reached(p_today date)
RETURNS TABLE (subject_type text, subject_id bigint, task_id bigint, due_date date,
               agency_code text, province_code text, level text, rank integer,
               label_zh text, label_en text, copy_leader boolean, repeat integer)
LANGUAGE sql STABLE AS $$
    WITH ladder AS (
        SELECT x.*, row_number() OVER (ORDER BY x.days)::integer AS rank
        FROM escalation_levels x
    ),
    open AS (
        SELECT 'task'::text AS subject_type, t.id AS subject_id, t.id AS task_id, t.due_date,
               t.agency_code, t.province_code
        FROM tasks t
        JOIN task_statuses s ON s.status = t.status
        WHERE NOT s.done AND t.due_date IS NOT NULL
        UNION ALL
        SELECT 'work_item', w.id, w.task_id, w.due_date, w.agency_code, w.province_code
        FROM work_items w
        JOIN task_statuses s ON s.status = w.status
        WHERE NOT s.done AND w.removed_at IS NULL
    )
    SELECT DISTINCT ON (o.subject_type, o.subject_id)
           o.subject_type, o.subject_id, o.task_id, o.due_date, o.agency_code, o.province_code,
           l.code, l.rank, l.label_zh, l.label_en, l.copy_leader,
           CASE WHEN l.repeat_days IS NULL THEN 0
                ELSE ((p_today - o.due_date) - l.days) / l.repeat_days END
    FROM open o
    JOIN ladder l ON l.days <= p_today - o.due_date
    ORDER BY o.subject_type, o.subject_id, l.days DESC
$$;

-- The run (`policytrack escalate`, and the daemon every
-- --escalation-interval-s): records each level reached on p_today that is not
-- recorded yet for the subject's current due date, with one event each
-- (task.escalated or work_item.escalated, no actor: the system). Idempotent:
-- the unique key (subject, due date, level, repeat) and the audit chain's lock,
-- taken first, let several daemons run it at once and write each level once.
-- A subject first seen past several levels gets only the highest, once. With
-- p_dry_run nothing is written and every row says written = false.
--
-- The event's changes hold one key, escalation (from the level recorded
-- before for this due date, to the one reached, with the details): no task
-- field, so the audit's replay (audit_task_mismatches) and the states "as of"
-- a day (task_event_states) see no change of state.
--
-- Owner only: a caller choosing the day could write tomorrow's escalations.
-- The daemon's role calls escalation_run(), which judges today.
DROP FUNCTION IF EXISTS escalation_run_as_of(date, boolean);
CREATE FUNCTION escalation_run_as_of(p_today date, p_dry_run boolean)
RETURNS TABLE (subject_type text, subject_id bigint, task_id bigint, level text, label_zh text,
               repeat integer, due_date date, days_to_due integer, copy_leader boolean,
               written boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    r record;
    prev text;
    ev bigint;
    today date := coalesce(p_today, current_date);
    note text;
BEGIN
    IF NOT p_dry_run THEN
        PERFORM audit_write_lock(true);  -- exclusive, before any row (09_audit_locks.sql)
    END IF;
    FOR r IN
        SELECT x.*
        FROM escalation_reached(today) x
        WHERE NOT EXISTS (SELECT 1 FROM escalations e
                          WHERE e.subject_type = x.subject_type AND e.subject_id = x.subject_id
                            AND e.due_date = x.due_date AND e.level = x.level AND e.repeat = x.repeat)
        ORDER BY x.task_id, x.subject_type, x.subject_id
    LOOP
        IF NOT p_dry_run THEN
            SELECT e.level INTO prev FROM escalations e
            WHERE e.subject_type = r.subject_type AND e.subject_id = r.subject_id
              AND e.due_date = r.due_date
            ORDER BY e.id DESC LIMIT 1;
            note := r.label_zh || '：'
                    || CASE WHEN today < r.due_date THEN format('距截止日期 %s 天', r.due_date - today)
                            WHEN today = r.due_date THEN '今日到期'
                            ELSE format('已逾期 %s 天', today - r.due_date) END
                    || format('（截止 %s）', r.due_date)
                    || CASE WHEN r.repeat > 0 THEN format('，第 %s 次重复', r.repeat) ELSE '' END
                    || CASE WHEN r.copy_leader THEN '，抄送单位负责人' ELSE '' END;
            INSERT INTO events (actor_id, subject_type, subject_id, kind, changes, note)
            VALUES (NULL, r.subject_type, r.subject_id, r.subject_type || '.escalated',
                    jsonb_build_object('escalation', jsonb_build_object(
                        'from', prev,
                        'to', r.level,
                        'label_zh', r.label_zh,
                        'label_en', r.label_en,
                        'rank', r.rank,
                        'repeat', r.repeat,
                        'due_date', r.due_date,
                        'as_of', today,
                        'days_to_due', r.due_date - today,
                        'days_past_due', greatest(today - r.due_date, 0),
                        'copy_leader', r.copy_leader,
                        'unit', jsonb_strip_nulls(jsonb_build_object('agency', r.agency_code,
                                                                     'province', r.province_code)))),
                    note)
            RETURNING id INTO ev;
            INSERT INTO escalations (subject_type, subject_id, task_id, due_date, level, label_zh,
                                     label_en, rank, repeat, as_of, days_to_due, agency_code,
                                     province_code, copy_leader, event_id)
            VALUES (r.subject_type, r.subject_id, r.task_id, r.due_date, r.level, r.label_zh,
                    r.label_en, r.rank, r.repeat,
                    today, r.due_date - today, r.agency_code, r.province_code, r.copy_leader, ev);
        END IF;
        subject_type := r.subject_type;
        subject_id := r.subject_id;
        task_id := r.task_id;
        level := r.level;
        label_zh := r.label_zh;
        repeat := r.repeat;
        due_date := r.due_date;
        days_to_due := r.due_date - today;
        copy_leader := r.copy_leader;
        written := NOT p_dry_run;
        RETURN NEXT;
    END LOOP;
END
$$;

REVOKE ALL ON FUNCTION escalation_run_as_of(date, boolean) FROM PUBLIC, policytrack_app;

-- Today's run, for the daemon's role.
DROP FUNCTION IF EXISTS escalation_run(boolean);
CREATE FUNCTION escalation_run(p_dry_run boolean)
RETURNS TABLE (subject_type text, subject_id bigint, task_id bigint, level text, label_zh text,
               repeat integer, due_date date, days_to_due integer, copy_leader boolean,
               written boolean)
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT * FROM escalation_run_as_of(current_date, p_dry_run)
$$;

-- A subject's current level: the latest recorded for its current due date
-- while it is open; NULL when none (or done). For task and work item JSON,
-- the task list's filter and the dashboards.
DROP FUNCTION IF EXISTS escalation_current(text, bigint, date, text);
CREATE FUNCTION escalation_current(p_type text, p_id bigint, p_due date, p_status text)
RETURNS SETOF escalations
LANGUAGE sql STABLE ROWS 1 AS $$
    SELECT e.*
    FROM escalations e
    WHERE e.subject_type = p_type AND e.subject_id = p_id AND e.due_date = p_due
      AND NOT (SELECT s.done FROM task_statuses s WHERE s.status = p_status)
    ORDER BY e.id DESC
    LIMIT 1
$$;

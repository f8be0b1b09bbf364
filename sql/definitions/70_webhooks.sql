-- Webhooks (docs/webhooks.md): the outbox fed by the events trail, the
-- messages each format sends, the admins' writes behind /api/v1/webhooks and
-- the sender's claim and record. Every write runs as the tables' owner
-- (SECURITY DEFINER): the daemon's role writes no table (0022).

-- Whether an event type is among an endpoint's patterns: a type itself,
-- a prefix ending in .* (task.* is every task.… type), or * for all.
CREATE OR REPLACE FUNCTION webhook_event_matches(p_patterns text[], p_type text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT EXISTS (SELECT 1
                   FROM unnest(p_patterns) p
                   WHERE p = '*' OR p = p_type
                      OR (right(p, 2) = '.*' AND left(p_type, length(p) - 1) = left(p, -1)))
$$;

-- What a pattern may look like: lower-case words joined by dots, maybe ending in .*, or *.
CREATE OR REPLACE FUNCTION webhook_pattern_valid(p text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT p = '*' OR p ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?$' AND length(p) <= 64
$$;

-- An event as the generic payload's `data`, with what a reader of a chat
-- message needs about its subject (a task's measure, agency and province;
-- a report's province and period; a work item's task).
CREATE OR REPLACE FUNCTION webhook_event_payload(e events) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'event_id', e.id,
        'type', e.kind,
        'at', e.at,
        'actor', (SELECT jsonb_build_object('username', u.username, 'display_name', u.display_name)
                  FROM users u WHERE u.id = e.actor_id),
        'subject', jsonb_build_object('type', e.subject_type, 'id', e.subject_id),
        'changes', e.changes,
        'note', e.note,
        'task', CASE WHEN e.subject_type = 'task' THEN (
                    SELECT jsonb_build_object('id', t.id, 'measure', m.code,
                                              'agency', t.agency_code, 'province', t.province_code,
                                              'status', t.status, 'progress', t.progress,
                                              'due_date', t.due_date)
                    FROM tasks t JOIN measures m ON m.id = t.measure_id
                    WHERE t.id = e.subject_id) END,
        'report', CASE WHEN e.subject_type = 'report' THEN (
                      SELECT jsonb_build_object('id', r.id, 'province', r.province_code,
                                                'period', r.period_code, 'state', r.state,
                                                'revision', r.revision)
                      FROM reports r WHERE r.id = e.subject_id) END,
        'work_item', CASE WHEN e.subject_type = 'work_item' THEN (
                         SELECT jsonb_build_object('id', w.id, 'task', w.task_id,
                                                   'title_zh', w.title_zh, 'status', w.status,
                                                   'progress', w.progress, 'due_date', w.due_date,
                                                   'agency', w.agency_code,
                                                   'province', w.province_code)
                         FROM work_items w WHERE w.id = e.subject_id) END)
$$;

-- The agency and province an event concerns, for endpoints scoped to one.
CREATE OR REPLACE FUNCTION webhook_event_scope(e events, OUT agency text, OUT province text)
LANGUAGE sql STABLE AS $$
    SELECT CASE e.subject_type
               WHEN 'task' THEN (SELECT t.agency_code FROM tasks t WHERE t.id = e.subject_id)
               WHEN 'work_item' THEN (SELECT coalesce(w.agency_code, t.agency_code)
                                      FROM work_items w JOIN tasks t ON t.id = w.task_id
                                      WHERE w.id = e.subject_id) END,
           CASE e.subject_type
               WHEN 'task' THEN (SELECT t.province_code FROM tasks t WHERE t.id = e.subject_id)
               WHEN 'report' THEN (SELECT r.province_code FROM reports r WHERE r.id = e.subject_id)
               WHEN 'work_item' THEN (SELECT coalesce(w.province_code, t.province_code)
                                      FROM work_items w JOIN tasks t ON t.id = w.task_id
                                      WHERE w.id = e.subject_id) END
$$;

-- Whether an endpoint scoped to an agency or a province wants something of this scope.
CREATE OR REPLACE FUNCTION webhook_in_scope(w webhooks, p_agency text, p_province text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT (w.agency_code IS NULL OR w.agency_code = p_agency)
       AND (w.province_code IS NULL OR w.province_code = p_province)
$$;

-- The trigger (0027): each event becomes a delivery to each enabled endpoint
-- that subscribes to its type, in the event's own transaction.
CREATE OR REPLACE FUNCTION webhook_outbox_from_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    sc record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhooks w
                   WHERE w.enabled AND webhook_event_matches(w.events, NEW.kind)) THEN
        RETURN NULL;
    END IF;
    SELECT * INTO sc FROM webhook_event_scope(NEW);
    INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, payload)
    SELECT w.id, NEW.id, NEW.kind, webhook_event_payload(NEW)
    FROM webhooks w
    WHERE w.enabled
      AND webhook_event_matches(w.events, NEW.kind)
      AND webhook_in_scope(w, sc.agency, sc.province);
    RETURN NULL;
END
$$;

-- A status's Chinese label, or the code itself.
CREATE OR REPLACE FUNCTION webhook_status_zh(p_status text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT label_zh FROM task_statuses WHERE status = p_status), p_status, '')
$$;

-- The chat message (Chinese first) for a delivery: a title and Markdown text.
-- Every text ends with 政策跟踪, a keyword a robot's 自定义关键词 can require.
CREATE OR REPLACE FUNCTION webhook_message_zh(p_type text, d jsonb, OUT title text, OUT body text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    who text := coalesce(d #>> '{actor,display_name}', d #>> '{actor,username}', '系统');
    line text;
BEGIN
    IF p_type = 'reminder.daily' THEN
        title := '每日提醒：' || (d #>> '{recipient,name_zh}');
        body := '### ' || title || '（' || (d ->> 'day') || '）';
        IF (d #>> '{overdue_tasks,count}')::int > 0 THEN
            body := body || E'\n\n- 逾期任务 ' || (d #>> '{overdue_tasks,count}') || ' 项：'
                    || (SELECT string_agg('#' || x, '、') FROM jsonb_array_elements_text(d #> '{overdue_tasks,tasks}') x);
        END IF;
        FOR line IN
            SELECT '- 报告 ' || (r ->> 'period') || ' ' || (r ->> 'level_zh') || '：截止 '
                   || (r ->> 'due_on') || CASE WHEN (r ->> 'days_left')::int >= 0
                                               THEN '，还剩 ' || (r ->> 'days_left') || ' 天'
                                               ELSE '，已逾期 ' || -(r ->> 'days_left')::int || ' 天' END
            FROM jsonb_array_elements(d -> 'reports') r
            UNION ALL
            SELECT '- 工作项「' || (w ->> 'title_zh') || '」（任务 #' || (w ->> 'task') || '）'
                   || (w ->> 'level_zh') || '：截止 ' || (w ->> 'due_date')
            FROM jsonb_array_elements(d -> 'work_items') w
        LOOP
            body := body || E'\n' || CASE WHEN body LIKE '%- %' THEN '' ELSE E'\n' END || line;
        END LOOP;
        body := body || E'\n\n' || '—— 政策跟踪';
        RETURN;
    END IF;
    IF p_type = 'webhook.ping' THEN
        title := '测试消息';
        body := '### 政策跟踪：测试消息' || E'\n\n' || '此群机器人已接入政策跟踪系统（policytrack）的通知。';
        RETURN;
    END IF;
    IF d ? 'task' AND d -> 'task' <> 'null' THEN
        title := '任务 #' || (d #>> '{task,id}') || '（措施 ' || (d #>> '{task,measure}') || '）';
        body := '### ' || title || E'\n\n- 部门：' || (d #>> '{task,agency}') || '，省份：'
                || (d #>> '{task,province}')
                || CASE WHEN d #> '{changes,status}' IS NOT NULL
                        THEN E'\n- 状态：' || webhook_status_zh(d #>> '{changes,status,from}') || ' → '
                             || webhook_status_zh(d #>> '{changes,status,to}')
                        ELSE E'\n- 当前状态：' || webhook_status_zh(d #>> '{task,status}') END
                || E'\n- 进度：' || (d #>> '{task,progress}') || '%'
                || coalesce(E'\n- 截止：' || (d #>> '{task,due_date}'), '');
    ELSIF d ? 'report' AND d -> 'report' <> 'null' THEN
        title := '报告 ' || (d #>> '{report,province}') || ' ' || (d #>> '{report,period}');
        body := '### ' || title || E'\n\n- '
                || CASE p_type WHEN 'report.submitted' THEN '已提交'
                               WHEN 'report.accepted' THEN '已通过'
                               WHEN 'report.returned' THEN '已退回'
                               WHEN 'report.created' THEN '已创建'
                               ELSE '状态：' || (d #>> '{report,state}') END;
    ELSIF d ? 'work_item' AND d -> 'work_item' <> 'null' THEN
        title := '工作项「' || (d #>> '{work_item,title_zh}') || '」';
        body := '### ' || title || E'\n\n- 任务 #' || (d #>> '{work_item,task}')
                || E'\n- 状态：' || webhook_status_zh(d #>> '{work_item,status}')
                || '，进度：' || (d #>> '{work_item,progress}') || '%';
    ELSE
        title := (d #>> '{subject,type}') || ' #' || (d #>> '{subject,id}');
        body := '### ' || title;
    END IF;
    title := '【' || p_type || '】' || title;
    body := body || E'\n- 事件：' || p_type || '，操作人：' || who
            || coalesce(E'\n- 说明：' || nullif(d ->> 'note', ''), '') || E'\n\n' || '—— 政策跟踪';
END
$$;

-- The body a delivery sends, by the endpoint's format: the generic JSON, or a
-- DingTalk or WeCom group robot's Markdown message.
CREATE OR REPLACE FUNCTION webhook_body(p_format text, dl webhook_deliveries) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE p_format
        WHEN 'json' THEN
            jsonb_build_object('id', dl.delivery_id, 'type', dl.event_type,
                               'created_at', dl.created_at, 'data', dl.payload)::text
        WHEN 'dingtalk' THEN
            jsonb_build_object('msgtype', 'markdown',
                               'markdown', jsonb_build_object('title', m.title, 'text', m.body))::text
        ELSE
            jsonb_build_object('msgtype', 'markdown',
                               'markdown', jsonb_build_object('content', m.body))::text
        END
    FROM webhook_message_zh(dl.event_type, dl.payload) m
$$;

-- An endpoint as the API shows it: never its secrets, whether it has a DingTalk one.
CREATE OR REPLACE FUNCTION webhook_json(w webhooks) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', w.id,
        'name', w.name,
        'url', w.url,
        'format', w.format,
        'events', w.events,
        'agency', w.agency_code,
        'province', w.province_code,
        'dingtalk_signed', w.dingtalk_secret IS NOT NULL,
        'enabled', w.enabled,
        'created_at', w.created_at,
        'updated_at', w.updated_at,
        'deliveries', (SELECT json_build_object(
                                  'pending', count(*) FILTER (WHERE d.state = 'pending'),
                                  'delivered', count(*) FILTER (WHERE d.state = 'delivered'),
                                  'parked', count(*) FILTER (WHERE d.state = 'parked'))
                       FROM webhook_deliveries d WHERE d.webhook_id = w.id))
$$;

CREATE OR REPLACE FUNCTION webhook_delivery_json(d webhook_deliveries) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', d.id,
        'delivery_id', d.delivery_id,
        'webhook', d.webhook_id,
        'event_id', d.event_id,
        'event_type', d.event_type,
        'state', d.state,
        'attempts', d.attempts,
        'next_attempt_at', CASE WHEN d.state = 'pending' THEN d.next_attempt_at END,
        'last_attempt_at', d.last_attempt_at,
        'last_status', d.last_status,
        'last_error', d.last_error,
        'replays', d.replays,
        'created_at', d.created_at,
        'delivered_at', d.delivered_at,
        'payload', d.payload)
$$;

-- The checks shared by create and update; NULL when all pass.
CREATE OR REPLACE FUNCTION webhook_refusal(p_events jsonb, p_agency text, p_province text,
                                           OUT reason text, OUT field text, OUT detail text)
LANGUAGE sql STABLE AS $$
    SELECT r.reason, r.field, r.detail
    FROM (SELECT 'invalid' AS reason, 'events' AS field,
                 'each event type is a type such as task.status_changed, a prefix such as task.*, or *: '
                 || (SELECT string_agg(quote_literal(x), ', ')
                     FROM jsonb_array_elements_text(p_events) x
                     WHERE NOT webhook_pattern_valid(x)) AS detail, 1 AS o
          WHERE p_events IS NOT NULL
            AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(p_events) x WHERE NOT webhook_pattern_valid(x))
          UNION ALL
          SELECT 'no_such_agency', 'agency', NULL, 2
          WHERE p_agency IS NOT NULL AND NOT EXISTS (SELECT 1 FROM agencies WHERE code = p_agency)
          UNION ALL
          SELECT 'no_such_province', 'province', NULL, 3
          WHERE p_province IS NOT NULL AND NOT EXISTS (SELECT 1 FROM provinces WHERE code = p_province)
          UNION ALL
          SELECT 'invalid', 'province', 'an endpoint has at most one scope: an agency or a province', 4
          WHERE p_agency IS NOT NULL AND p_province IS NOT NULL) r
    ORDER BY r.o
    LIMIT 1
$$;

-- Registers an endpoint. The secret is made by the daemon and shown once.
DROP FUNCTION IF EXISTS webhook_create(bigint, text, text, text, jsonb, text, text, text, text, boolean);
CREATE OR REPLACE FUNCTION webhook_create(p_actor bigint, p_name text, p_url text, p_format text,
                                          p_events jsonb, p_agency text, p_province text,
                                          p_secret text, p_dingtalk_secret text, p_enabled boolean)
RETURNS TABLE (outcome text, reason text, field text, detail text, body text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    w webhooks;
    r record;
BEGIN
    SELECT * INTO r FROM webhook_refusal(p_events, p_agency, p_province);
    IF r.reason IS NOT NULL THEN
        RETURN QUERY SELECT 'refused', r.reason, r.field, r.detail, NULL::text;
        RETURN;
    END IF;
    INSERT INTO webhooks (name, url, format, events, agency_code, province_code, secret,
                          dingtalk_secret, enabled, created_by)
    VALUES (p_name, p_url, p_format,
            ARRAY(SELECT DISTINCT x FROM jsonb_array_elements_text(p_events) x ORDER BY x),
            p_agency, p_province, p_secret, p_dingtalk_secret, coalesce(p_enabled, true), p_actor)
    RETURNING * INTO w;
    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, NULL::text, webhook_json(w)::text;
END
$$;

-- Changes an endpoint: the fields given (p_has_* say whether a nullable one was
-- given); p_secret, when not NULL, replaces the signing secret.
DROP FUNCTION IF EXISTS webhook_update(bigint, text, text, text, jsonb, boolean, text, boolean,
                                       text, boolean, text, boolean, text);
CREATE OR REPLACE FUNCTION webhook_update(p_id bigint, p_name text, p_url text, p_format text,
                                          p_events jsonb, p_has_agency boolean, p_agency text,
                                          p_has_province boolean, p_province text,
                                          p_has_dingtalk boolean, p_dingtalk_secret text,
                                          p_enabled boolean, p_secret text)
RETURNS TABLE (outcome text, reason text, field text, detail text, body text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    w webhooks;
    r record;
BEGIN
    SELECT * INTO w FROM webhooks WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'refused', 'not_found', NULL::text, NULL::text, NULL::text;
        RETURN;
    END IF;
    SELECT * INTO r
    FROM webhook_refusal(p_events,
                         CASE WHEN p_has_agency THEN p_agency ELSE w.agency_code END,
                         CASE WHEN p_has_province THEN p_province ELSE w.province_code END);
    IF r.reason IS NOT NULL THEN
        RETURN QUERY SELECT 'refused', r.reason, r.field, r.detail, NULL::text;
        RETURN;
    END IF;
    UPDATE webhooks
    SET name = coalesce(p_name, name),
        url = coalesce(p_url, url),
        format = coalesce(p_format, format),
        events = CASE WHEN p_events IS NULL THEN events
                      ELSE ARRAY(SELECT DISTINCT x FROM jsonb_array_elements_text(p_events) x ORDER BY x) END,
        agency_code = CASE WHEN p_has_agency THEN p_agency ELSE agency_code END,
        province_code = CASE WHEN p_has_province THEN p_province ELSE province_code END,
        dingtalk_secret = CASE WHEN p_has_dingtalk THEN p_dingtalk_secret ELSE dingtalk_secret END,
        enabled = coalesce(p_enabled, enabled),
        secret = coalesce(p_secret, secret),
        updated_at = now()
    WHERE id = p_id
    RETURNING * INTO w;
    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, NULL::text, webhook_json(w)::text;
END
$$;

-- Removes an endpoint with its delivery log.
CREATE OR REPLACE FUNCTION webhook_delete(p_id bigint)
RETURNS TABLE (outcome text, reason text, field text, detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    DELETE FROM webhooks WHERE id = p_id;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'refused', 'not_found', NULL::text, NULL::text;
        RETURN;
    END IF;
    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, NULL::text;
END
$$;

-- Enqueues a test message (webhook.ping) to one endpoint, enabled or not.
CREATE OR REPLACE FUNCTION webhook_ping(p_id bigint, p_actor bigint)
RETURNS TABLE (outcome text, reason text, field text, detail text, body text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    d webhook_deliveries;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhooks WHERE id = p_id) THEN
        RETURN QUERY SELECT 'refused', 'not_found', NULL::text, NULL::text, NULL::text;
        RETURN;
    END IF;
    INSERT INTO webhook_deliveries (webhook_id, event_type, payload)
    VALUES (p_id, 'webhook.ping',
            jsonb_build_object('type', 'webhook.ping', 'at', now(),
                               'actor', (SELECT jsonb_build_object('username', u.username,
                                                                   'display_name', u.display_name)
                                         FROM users u WHERE u.id = p_actor)))
    RETURNING * INTO d;
    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, NULL::text, webhook_delivery_json(d)::text;
END
$$;

-- Sends a delivery again (parked, delivered or failing): pending now, its
-- attempts counted afresh, its delivery id unchanged so receivers can tell.
CREATE OR REPLACE FUNCTION webhook_replay(p_id bigint, p_delivery bigint)
RETURNS TABLE (outcome text, reason text, field text, detail text, body text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    d webhook_deliveries;
BEGIN
    UPDATE webhook_deliveries
    SET state = 'pending', attempts = 0, next_attempt_at = now(), replays = replays + 1,
        delivered_at = NULL
    WHERE id = p_delivery AND webhook_id = p_id
    RETURNING * INTO d;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'refused', 'not_found', NULL::text, NULL::text, NULL::text;
        RETURN;
    END IF;
    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, NULL::text, webhook_delivery_json(d)::text;
END
$$;

-- The sender's claim: up to p_limit due deliveries of enabled endpoints,
-- leased for p_lease_ms (pushed past it, so another daemon leaves them
-- alone while this one sends; a daemon that dies sending lets the lease
-- run out and the row is sent again). SKIP LOCKED: daemons claiming at
-- once take different rows.
DROP FUNCTION IF EXISTS webhook_claim(int, int);
CREATE OR REPLACE FUNCTION webhook_claim(p_limit int, p_lease_ms int)
RETURNS TABLE (id bigint, delivery_id uuid, attempt int, url text, format text, secret text,
               dingtalk_secret text, event_type text, body text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN QUERY
    WITH due AS (
        SELECT d.id
        FROM webhook_deliveries d
        JOIN webhooks w ON w.id = d.webhook_id
        WHERE d.state = 'pending' AND d.next_attempt_at <= now()
          AND (w.enabled OR d.event_type = 'webhook.ping')
        ORDER BY d.next_attempt_at, d.id
        LIMIT p_limit
        FOR UPDATE OF d SKIP LOCKED),
    claimed AS (
        UPDATE webhook_deliveries d
        SET attempts = d.attempts + 1,
            last_attempt_at = now(),
            next_attempt_at = now() + make_interval(secs => p_lease_ms / 1000.0)
        FROM due
        WHERE d.id = due.id
        RETURNING d.*)
    SELECT c.id, c.delivery_id, c.attempts, w.url, w.format, w.secret, w.dingtalk_secret,
           c.event_type, webhook_body(w.format, c)
    FROM claimed c
    JOIN webhooks w ON w.id = c.webhook_id
    ORDER BY c.id;
END
$$;

-- The outcome of an attempt: delivered; or failed, to be tried again after
-- p_base_ms doubling per attempt (capped at an hour) with jitter, or parked
-- with its reason after p_max_attempts. An attempt that is not the row's
-- latest (its lease ran out and it was claimed again) changes nothing.
-- Returns the row's state after it, NULL when nothing changed.
DROP FUNCTION IF EXISTS webhook_record(bigint, int, boolean, int, text, int, int);
CREATE OR REPLACE FUNCTION webhook_record(p_id bigint, p_attempt int, p_ok boolean, p_status int,
                                          p_error text, p_max_attempts int, p_base_ms int)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    new_state text;
BEGIN
    UPDATE webhook_deliveries d
    SET state = CASE WHEN p_ok THEN 'delivered'
                     WHEN d.attempts >= p_max_attempts THEN 'parked'
                     ELSE 'pending' END,
        delivered_at = CASE WHEN p_ok THEN now() END,
        last_status = p_status,
        last_error = CASE WHEN p_ok THEN NULL
                          WHEN d.attempts >= p_max_attempts
                              THEN left('parked after ' || d.attempts || ' attempts: ' || p_error, 1000)
                          ELSE left(p_error, 1000) END,
        next_attempt_at = now() + make_interval(secs =>
            least(p_base_ms * 2.0 ^ least(d.attempts - 1, 30), 3600000.0)
            * (0.5 + random() / 2) / 1000.0)
    WHERE d.id = p_id AND d.attempts = p_attempt AND d.state = 'pending'
    RETURNING d.state INTO new_state;
    RETURN new_state;
END
$$;

-- The daily reminder run (docs/webhooks.md). Due once the day's time has come
-- in the connection's time zone (the daemon's --time-zone), when it has not
-- run today and an enabled endpoint subscribes to reminder.daily.
CREATE OR REPLACE FUNCTION webhook_reminders_due(p_at time) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT localtime >= p_at
       AND NOT EXISTS (SELECT 1 FROM webhook_reminder_runs WHERE day = current_date AND recipient = '*')
       AND EXISTS (SELECT 1 FROM webhooks w
                   WHERE w.enabled AND webhook_event_matches(w.events, 'reminder.daily'))
$$;

-- Enqueues the day's reminders from the reminders' JSON (the answer of
-- GET /api/v1/reminders, sql/reports/reminder_list.sql, as an admin sees it):
-- for each agency and province with something due soon or overdue, one
-- message to each endpoint subscribed to reminder.daily in its scope. A
-- (day, recipient) already enqueued is skipped, so daemons running it at once
-- send each recipient's reminder once. Returns the deliveries enqueued.
CREATE OR REPLACE FUNCTION webhook_reminders_enqueue(p_reminders jsonb) RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    today date := (p_reminders ->> 'today')::date;
    rc record;
    n int := 0;
    added int;
BEGIN
    INSERT INTO webhook_reminder_runs (day, recipient) VALUES (today, '*') ON CONFLICT DO NOTHING;
    FOR rc IN
        WITH recipients AS (
            SELECT 'agency' AS kind, a.code, a.full_name_zh AS name_zh, a.name_en, a.sort_order,
                   (SELECT o FROM jsonb_array_elements(p_reminders -> 'overdue_tasks') o
                    WHERE o ->> 'agency' = a.code) AS overdue,
                   '[]'::jsonb AS reports,
                   (SELECT coalesce(jsonb_agg(w), '[]') FROM jsonb_array_elements(p_reminders -> 'work_items') w
                    WHERE w ->> 'agency' = a.code) AS work_items
            FROM agencies a
            UNION ALL
            SELECT 'province', p.code, p.name_zh, p.name_en, p.sort_order, NULL,
                   (SELECT coalesce(jsonb_agg(r), '[]') FROM jsonb_array_elements(p_reminders -> 'reports') r
                    WHERE r ->> 'province' = p.code),
                   (SELECT coalesce(jsonb_agg(w), '[]') FROM jsonb_array_elements(p_reminders -> 'work_items') w
                    WHERE w ->> 'office' = p.code)
            FROM provinces p)
        SELECT * FROM recipients
        WHERE overdue IS NOT NULL OR jsonb_array_length(reports) > 0 OR jsonb_array_length(work_items) > 0
        ORDER BY kind, sort_order
    LOOP
        INSERT INTO webhook_reminder_runs (day, recipient)
        VALUES (today, rc.kind || ':' || rc.code)
        ON CONFLICT DO NOTHING;
        IF NOT FOUND THEN
            CONTINUE;
        END IF;
        INSERT INTO webhook_deliveries (webhook_id, event_type, payload)
        SELECT w.id, 'reminder.daily',
               jsonb_build_object(
                   'type', 'reminder.daily',
                   'day', today,
                   'days', p_reminders -> 'days',
                   'recipient', jsonb_build_object('kind', rc.kind, 'code', rc.code,
                                                   'name_zh', rc.name_zh, 'name_en', rc.name_en),
                   'overdue_tasks', coalesce(rc.overdue - 'agency' - 'name_zh' - 'name_en',
                                             jsonb_build_object('count', 0, 'tasks', '[]'::jsonb)),
                   'reports', rc.reports,
                   'work_items', rc.work_items)
        FROM webhooks w
        WHERE w.enabled
          AND webhook_event_matches(w.events, 'reminder.daily')
          AND webhook_in_scope(w, CASE WHEN rc.kind = 'agency' THEN rc.code END,
                               CASE WHEN rc.kind = 'province' THEN rc.code END);
        GET DIAGNOSTICS added = ROW_COUNT;
        n := n + added;
    END LOOP;
    RETURN n;
END
$$;

-- Many task changes at once, all or nothing: for an agency updating its tasks
-- after a meeting. An item naming a status the workflow lacks makes the batch
-- invalid (errors name each such item's status), as the body's other checks
-- do. Otherwise each item goes through task_update(); if any is refused,
-- every change of the batch is undone and every refusal is reported: refused
-- for batch_refused, with errors naming each refused item ("items[2]") and
-- why, as the item's outcome would read on its own. When ok, items lists
-- each changed task's index, id, version and ETag.
DROP FUNCTION IF EXISTS task_batch_update(bigint, text, text, text, jsonb);
CREATE FUNCTION task_batch_update(p_actor bigint, p_role text, p_agency text, p_province text,
                                  p_items jsonb)
RETURNS TABLE (outcome text, reason text, field text, detail text, errors json, items jsonb)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    item jsonb;
    i integer := 0;
    r record;
    done jsonb := '[]';
    refused jsonb := '[]';
    unknown json;
BEGIN
    SELECT json_object_agg('items[' || (x.n - 1) || '].status', task_change_status_error(x.item->'fields')
                           ORDER BY x.n)
    INTO unknown
    FROM jsonb_array_elements(p_items) WITH ORDINALITY AS x(item, n)
    WHERE task_change_status_error(x.item->'fields') IS NOT NULL;
    IF unknown IS NOT NULL THEN
        RETURN QUERY SELECT 'refused', 'invalid', NULL::text, NULL::text, unknown, NULL::jsonb;
        RETURN;
    END IF;
    -- The writers' lock, shared, then every task's row in id order before
    -- any change: two batches, or a batch and a single change, never hold
    -- rows the other waits for in the opposite order.
    PERFORM audit_write_lock_ordered(ARRAY(SELECT (value->>'id')::bigint
                                           FROM jsonb_array_elements(p_items)
                                           WHERE jsonb_typeof(value->'id') = 'number'));
    BEGIN
        FOR item IN SELECT value FROM jsonb_array_elements(p_items) LOOP
            SELECT * INTO r FROM task_update((item->>'id')::bigint, p_actor, p_role, p_agency,
                                             p_province, (item->>'version')::integer,
                                             item->'fields', item->>'note');
            IF r.outcome = 'ok' THEN
                done := done || jsonb_build_object('index', i, 'id', (item->>'id')::bigint,
                                                   'version', r.current_version,
                                                   'etag', '"' || r.current_version || '"');
            ELSE
                refused := refused || jsonb_build_object('index', i, 'why', CASE r.reason
                    WHEN 'stale' THEN 'stale: the task''s ETag is now "' || r.current_version || '"'
                    WHEN 'not_found' THEN 'not_found: no such task in your scope'
                    WHEN 'invalid' THEN 'field: ' || r.detail
                    WHEN 'decomposed' THEN 'decomposed: the task''s status and progress roll up from its work items'
                    ELSE 'transition: ' || r.reason END);
            END IF;
            i := i + 1;
        END LOOP;
        IF jsonb_array_length(refused) > 0 THEN
            -- Caught below: the block's changes (tasks, events) are rolled back.
            RAISE EXCEPTION 'task batch refused' USING ERRCODE = 'PT409';
        END IF;
    EXCEPTION WHEN SQLSTATE 'PT409' THEN
        RETURN QUERY SELECT 'refused', 'batch_refused', NULL::text, NULL::text,
                            (SELECT json_object_agg('items[' || (x->>'index') || ']', x->>'why'
                                                    ORDER BY (x->>'index')::integer)
                             FROM jsonb_array_elements(refused) x),
                            NULL::jsonb;
        RETURN;
    END;
    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, NULL::text, NULL::json, done;
END
$$;

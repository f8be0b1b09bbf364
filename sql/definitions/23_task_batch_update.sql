-- Many task changes at once, all or nothing (0006).

-- Many task changes at once, all or nothing: for an agency updating its tasks
-- after a meeting. Each item goes through task_update(); if any is refused,
-- the whole batch is rolled back and every refusal is reported.
CREATE OR REPLACE FUNCTION task_batch_update(p_actor bigint, p_role text, p_agency text, p_province text,
                                  p_items jsonb)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    item jsonb;
    i integer := 0;
    r record;
    done jsonb := '[]';
    refused jsonb := '[]';
BEGIN
    PERFORM pg_advisory_xact_lock(7301958413);  -- the chain's lock before any row: see task_update()
    FOR item IN SELECT value FROM jsonb_array_elements(p_items) LOOP
        SELECT * INTO r FROM task_update((item->>'id')::bigint, p_actor, p_role, p_agency,
                                         p_province, (item->>'version')::integer,
                                         item->'fields', item->>'note');
        IF r.outcome = 'ok' THEN
            done := done || jsonb_build_object('index', i, 'id', (item->>'id')::bigint,
                                               'version', r.current_version,
                                               'etag', '"' || r.current_version || '"');
        ELSE
            refused := refused || jsonb_build_object('index', i, 'id', item->'id',
                                                     'outcome', r.outcome, 'reason', r.reason,
                                                     'field', r.field,
                                                     'current_version', r.current_version);
        END IF;
        i := i + 1;
    END LOOP;
    IF jsonb_array_length(refused) > 0 THEN
        -- Undoes every change this batch made; the daemon reads the refusals from DETAIL.
        RAISE EXCEPTION 'task batch refused' USING ERRCODE = 'PT409', DETAIL = refused::text;
    END IF;
    RETURN done;
END
$$;

-- Importing a document (docs/import.md): document_import() checks the whole
-- file first and reports every problem with its JSON pointer; only a file
-- without problems is applied, in one transaction. A dry run applies it in a
-- subtransaction and undoes it, so it reports exactly what the import would
-- do. Re-importing the same content changes nothing; a changed document is
-- recorded as a new version whose changes are listed, and tasks keep their
-- history: a task whose mapping changes role is re-assigned (an event says
-- so), and a task is removed only when it has no history at all.

-- One located problem: an RFC 6901 pointer into the file and why.
CREATE OR REPLACE FUNCTION import_problem(p_pointer text, p_detail text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object('pointer', p_pointer, 'detail', p_detail)
$$;

-- Problems of a text member: required, a string, not blank, at most p_max
-- characters, matching p_pattern (p_hint says what it should look like).
CREATE OR REPLACE FUNCTION import_check_text(p_obj jsonb, p_ptr text, p_key text, p_required boolean,
                                             p_max integer DEFAULT 20000, p_pattern text DEFAULT NULL,
                                             p_hint text DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    v jsonb := p_obj -> p_key;
    ptr text := p_ptr || '/' || p_key;
BEGIN
    IF v IS NULL OR jsonb_typeof(v) = 'null' THEN
        RETURN CASE WHEN p_required
                    THEN jsonb_build_array(import_problem(ptr, format('"%s" is required', p_key)))
                    ELSE '[]' END;
    ELSIF jsonb_typeof(v) <> 'string' THEN
        RETURN jsonb_build_array(import_problem(ptr, format('"%s" must be a string', p_key)));
    ELSIF btrim(v #>> '{}') = '' THEN
        RETURN jsonb_build_array(import_problem(ptr, format('"%s" must not be empty', p_key)));
    ELSIF length(v #>> '{}') > p_max THEN
        RETURN jsonb_build_array(import_problem(ptr, format('"%s" is longer than %s characters',
                                                           p_key, p_max)));
    ELSIF p_pattern IS NOT NULL AND (v #>> '{}') !~ p_pattern THEN
        RETURN jsonb_build_array(import_problem(ptr, format('"%s" must be %s, not "%s"', p_key,
                                                           p_hint, left(v #>> '{}', 80))));
    END IF;
    RETURN '[]';
END
$$;

-- Problems of a date member (YYYY-MM-DD, a real day).
CREATE OR REPLACE FUNCTION import_check_date(p_obj jsonb, p_ptr text, p_key text, p_required boolean)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    problems jsonb := import_check_text(p_obj, p_ptr, p_key, p_required, 10, '^\d{4}-\d{2}-\d{2}$',
                                        'a date written YYYY-MM-DD');
    d date;
BEGIN
    IF problems = '[]' AND p_obj ? p_key AND jsonb_typeof(p_obj -> p_key) = 'string' THEN
        BEGIN
            d := (p_obj ->> p_key)::date;
        EXCEPTION WHEN others THEN
            problems := jsonb_build_array(import_problem(p_ptr || '/' || p_key,
                format('"%s" is not a day of the calendar: "%s"', p_key, p_obj ->> p_key)));
        END;
    END IF;
    RETURN problems;
END
$$;

-- Problems of an object: not an object, or members outside p_allowed (a
-- misspelt "text_cn" would otherwise be dropped without a word).
CREATE OR REPLACE FUNCTION import_check_object(p_obj jsonb, p_ptr text, p_allowed text[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN p_obj IS NULL OR jsonb_typeof(p_obj) <> 'object'
        THEN jsonb_build_array(import_problem(p_ptr, 'must be a JSON object'))
        ELSE coalesce((SELECT jsonb_agg(import_problem(p_ptr || '/' || k,
                                 format('unknown member "%s"; expected one of: %s', k,
                                        array_to_string(p_allowed, ', ')))
                                 ORDER BY k)
                       FROM jsonb_object_keys(p_obj) k
                       WHERE k <> ALL (p_allowed)), '[]')
    END
$$;

-- The elements of an optional array member with their pointers ('[]' when absent).
CREATE OR REPLACE FUNCTION import_elements(p_obj jsonb, p_key text)
RETURNS TABLE (v jsonb, ptr text, i integer)
LANGUAGE sql IMMUTABLE AS $$
    SELECT x.v, '/' || p_key || '/' || (x.n - 1), x.n::integer
    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(p_obj -> p_key) = 'array'
                                   THEN p_obj -> p_key ELSE '[]' END) WITH ORDINALITY x(v, n)
$$;

-- Whether a task has any history an import must keep: people changed or
-- noted it (every such change is an event; an import's own re-assignments and
-- re-datings are not work), reported on or evaluated it, attached files, or
-- split it into work items.
CREATE OR REPLACE FUNCTION task_has_history(p_task bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM events WHERE subject_type = 'task' AND subject_id = p_task
                                        AND kind NOT IN ('task.reassigned', 'task.redated'))
        OR EXISTS (SELECT 1 FROM report_items WHERE task_id = p_task)
        OR EXISTS (SELECT 1 FROM task_files WHERE task_id = p_task)
        OR EXISTS (SELECT 1 FROM work_items WHERE task_id = p_task)
        OR EXISTS (SELECT 1 FROM evaluations WHERE subject_type = 'task' AND subject = p_task::text)
$$;

-- Every problem of a file, located; '[]' when there is none. Reads the
-- catalogue (what is declared must match what exists) and writes nothing.
CREATE OR REPLACE FUNCTION document_import_problems(p_doc jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    p jsonb := '[]';
    doc jsonb;
    e record;
    x record;
    known_agencies text[];
    known_provinces text[];
    recipients text[];
    section_codes text[];
    declared text[];
    row_json jsonb;
    field text;
    leads integer;
    targets text[];
    seen text[];
BEGIN
    IF p_doc IS NULL OR jsonb_typeof(p_doc) <> 'object' THEN
        RETURN jsonb_build_array(import_problem('', 'the file must hold one JSON object'));
    END IF;
    p := p || import_check_object(p_doc, '', ARRAY['format', 'document', 'agencies', 'provinces',
                                                   'localities', 'sections', 'measures']);
    IF p_doc -> 'format' IS DISTINCT FROM '"policytrack-document/1"' THEN
        p := p || import_problem('/format', '"format" must be "policytrack-document/1"');
    END IF;
    FOR field IN SELECT unnest(ARRAY['agencies', 'provinces', 'localities', 'sections', 'measures']) LOOP
        IF p_doc ? field AND jsonb_typeof(p_doc -> field) <> 'array' THEN
            p := p || import_problem('/' || field, format('"%s" must be an array', field));
        END IF;
    END LOOP;
    IF jsonb_typeof(p_doc -> 'sections') IS DISTINCT FROM 'array' THEN
        IF NOT p_doc ? 'sections' THEN
            p := p || import_problem('/sections', '"sections" is required');
        END IF;
    END IF;
    IF jsonb_typeof(p_doc -> 'measures') IS DISTINCT FROM 'array' OR jsonb_array_length(p_doc -> 'measures') = 0 THEN
        IF NOT p_doc ? 'measures' OR jsonb_typeof(p_doc -> 'measures') = 'array' THEN
            p := p || import_problem('/measures', 'a document needs at least one measure');
        END IF;
    END IF;

    -- Agencies the file declares: new ones are added; existing ones must match,
    -- because other documents share them.
    declared := '{}';
    FOR e IN SELECT * FROM import_elements(p_doc, 'agencies') LOOP
        p := p || import_check_object(e.v, e.ptr, ARRAY['code', 'name_zh', 'full_name_zh', 'name_en', 'abbr_en',
                                                       'successor_name_zh', 'successor_name_en',
                                                       'successor_abbr_en', 'remit_en']);
        CONTINUE WHEN jsonb_typeof(e.v) <> 'object';
        p := p || import_check_text(e.v, e.ptr, 'code', true, 8, '^[a-z]{2,8}$',
                                    '2 to 8 lower-case letters (e.g. "sipo")')
               || import_check_text(e.v, e.ptr, 'name_zh', true, 100)
               || import_check_text(e.v, e.ptr, 'full_name_zh', true, 200)
               || import_check_text(e.v, e.ptr, 'name_en', true, 200)
               || import_check_text(e.v, e.ptr, 'abbr_en', false, 20)
               || import_check_text(e.v, e.ptr, 'successor_name_zh', false, 200)
               || import_check_text(e.v, e.ptr, 'successor_name_en', false, 200)
               || import_check_text(e.v, e.ptr, 'successor_abbr_en', false, 20)
               || import_check_text(e.v, e.ptr, 'remit_en', true, 2000);
        IF (e.v ->> 'code') = ANY (declared) THEN
            p := p || import_problem(e.ptr || '/code', format('agency "%s" is declared twice', e.v ->> 'code'));
        END IF;
        declared := declared || (e.v ->> 'code');
        SELECT jsonb_build_object('name_zh', a.name_zh, 'full_name_zh', a.full_name_zh, 'name_en', a.name_en,
                                  'abbr_en', a.abbr_en, 'successor_name_zh', a.successor_name_zh,
                                  'successor_name_en', a.successor_name_en,
                                  'successor_abbr_en', a.successor_abbr_en, 'remit_en', a.remit_en)
        INTO row_json FROM agencies a WHERE a.code = e.v ->> 'code';
        IF FOUND THEN
            FOR field IN SELECT jsonb_object_keys(row_json) LOOP
                IF (row_json -> field) IS DISTINCT FROM coalesce(e.v -> field, 'null') THEN
                    p := p || import_problem(e.ptr || '/' || field,
                        format('agency "%s" exists with %s %s; documents share agencies, so a file must '
                               'declare it as it is (or leave it out)', e.v ->> 'code', field,
                               coalesce((row_json -> field)::text, 'null')));
                END IF;
            END LOOP;
        ELSIF EXISTS (SELECT 1 FROM agencies a WHERE a.name_zh = e.v ->> 'name_zh') THEN
            p := p || import_problem(e.ptr || '/name_zh',
                format('an agency named %s exists already under the code "%s"', e.v ->> 'name_zh',
                       (SELECT a.code FROM agencies a WHERE a.name_zh = e.v ->> 'name_zh')));
        END IF;
    END LOOP;
    known_agencies := declared || ARRAY(SELECT code FROM agencies);

    declared := '{}';
    FOR e IN SELECT * FROM import_elements(p_doc, 'provinces') LOOP
        p := p || import_check_object(e.v, e.ptr, ARRAY['code', 'name_zh', 'short_zh', 'name_en']);
        CONTINUE WHEN jsonb_typeof(e.v) <> 'object';
        p := p || import_check_text(e.v, e.ptr, 'code', true, 5, '^CN-[A-Z]{2}$',
                                    'an ISO 3166-2 code such as "CN-LN"')
               || import_check_text(e.v, e.ptr, 'name_zh', true, 100)
               || import_check_text(e.v, e.ptr, 'short_zh', true, 20)
               || import_check_text(e.v, e.ptr, 'name_en', true, 200);
        IF (e.v ->> 'code') = ANY (declared) THEN
            p := p || import_problem(e.ptr || '/code', format('province "%s" is declared twice', e.v ->> 'code'));
        END IF;
        declared := declared || (e.v ->> 'code');
        SELECT jsonb_build_object('name_zh', r.name_zh, 'short_zh', r.short_zh, 'name_en', r.name_en)
        INTO row_json FROM provinces r WHERE r.code = e.v ->> 'code';
        IF FOUND THEN
            FOR field IN SELECT jsonb_object_keys(row_json) LOOP
                IF (row_json -> field) IS DISTINCT FROM coalesce(e.v -> field, 'null') THEN
                    p := p || import_problem(e.ptr || '/' || field,
                        format('province "%s" exists with %s %s; documents share provinces, so a file '
                               'must declare it as it is (or leave it out)', e.v ->> 'code', field,
                               (row_json -> field)::text));
                END IF;
            END LOOP;
        ELSIF EXISTS (SELECT 1 FROM provinces r WHERE r.name_zh = e.v ->> 'name_zh') THEN
            p := p || import_problem(e.ptr || '/name_zh',
                format('a province named %s exists already under another code', e.v ->> 'name_zh'));
        END IF;
    END LOOP;
    known_provinces := declared || ARRAY(SELECT code FROM provinces);

    declared := '{}';
    FOR e IN SELECT * FROM import_elements(p_doc, 'localities') LOOP
        p := p || import_check_object(e.v, e.ptr, ARRAY['province', 'name_zh', 'name_en', 'kind']);
        CONTINUE WHEN jsonb_typeof(e.v) <> 'object';
        p := p || import_check_text(e.v, e.ptr, 'province', true, 5)
               || import_check_text(e.v, e.ptr, 'name_zh', true, 100)
               || import_check_text(e.v, e.ptr, 'name_en', true, 200)
               || import_check_text(e.v, e.ptr, 'kind', true, 10, '^(city|region|zone|park)$',
                                    'one of city, region, zone, park');
        IF jsonb_typeof(e.v -> 'province') = 'string' AND NOT (e.v ->> 'province') = ANY (known_provinces) THEN
            p := p || import_problem(e.ptr || '/province',
                format('unknown province "%s": declare it under /provinces', e.v ->> 'province'));
        END IF;
        IF ((e.v ->> 'province') || '/' || (e.v ->> 'name_zh')) = ANY (declared) THEN
            p := p || import_problem(e.ptr || '/name_zh', format('locality %s is declared twice', e.v ->> 'name_zh'));
        END IF;
        declared := declared || ((e.v ->> 'province') || '/' || (e.v ->> 'name_zh'));
        SELECT jsonb_build_object('name_en', l.name_en, 'kind', l.kind) INTO row_json
        FROM localities l WHERE l.province_code = e.v ->> 'province' AND l.name_zh = e.v ->> 'name_zh';
        IF FOUND THEN
            FOR field IN SELECT jsonb_object_keys(row_json) LOOP
                IF (row_json -> field) IS DISTINCT FROM coalesce(e.v -> field, 'null') THEN
                    p := p || import_problem(e.ptr || '/' || field,
                        format('locality %s exists with %s %s; a file must declare it as it is',
                               e.v ->> 'name_zh', field, (row_json -> field)::text));
                END IF;
            END LOOP;
        END IF;
    END LOOP;

    -- The document's own metadata.
    doc := p_doc -> 'document';
    p := p || import_check_object(doc, '/document', ARRAY['code', 'title_zh', 'title_en', 'issuers', 'recipients',
                                                          'signed_on', 'published_on', 'source_url',
                                                          'preamble_zh', 'preamble_en', 'classification']);
    recipients := '{}';
    IF jsonb_typeof(doc) = 'object' THEN
        p := p || import_check_text(doc, '/document', 'code', true, 64, '^[a-z0-9]+(-[a-z0-9]+)*$',
                                    'lower-case letters, digits and single hyphens (e.g. "ne-ip-2017")')
               || import_check_text(doc, '/document', 'title_zh', true, 500)
               || import_check_text(doc, '/document', 'title_en', true, 1000)
               || import_check_date(doc, '/document', 'signed_on', true)
               || import_check_date(doc, '/document', 'published_on', true)
               || import_check_text(doc, '/document', 'source_url', false, 2000, '^https?://\S+$',
                                    'an http(s) address')
               || import_check_text(doc, '/document', 'preamble_zh', false)
               || import_check_text(doc, '/document', 'preamble_en', false);
        -- The 密级: this service is for non-classified work only, and a
        -- deployment may be declared for public documents alone
        -- (--classification-max, classification_declared()).
        IF doc ? 'classification' THEN
            IF jsonb_typeof(doc -> 'classification') IS DISTINCT FROM 'string'
               OR classification_rank(doc ->> 'classification') IS NULL THEN
                p := p || import_problem('/document/classification',
                    'must be one of public (公开), internal (内部), secret (秘密), '
                    'confidential (机密), top_secret (绝密)');
            ELSIF classification_rank(doc ->> 'classification')
                  > classification_rank(classification_declared()) THEN
                p := p || import_problem('/document/classification',
                    format('%s (%s) is above what this deployment is declared for, %s (%s): %s',
                           doc ->> 'classification', classification_label(doc ->> 'classification'),
                           classification_declared(), classification_label(classification_declared()),
                           CASE WHEN classification_rank(doc ->> 'classification') > 2
                                THEN 'this service is for non-classified work only; a classified '
                                     'document must never be stored here'
                                ELSE 'it holds public documents only' END));
            END IF;
        END IF;
        IF (doc ->> 'signed_on') ~ '^\d{4}-\d{2}-\d{2}$' AND (doc ->> 'published_on') ~ '^\d{4}-\d{2}-\d{2}$'
           AND import_check_date(doc, '/document', 'signed_on', true) = '[]'
           AND import_check_date(doc, '/document', 'published_on', true) = '[]'
           AND (doc ->> 'published_on')::date < (doc ->> 'signed_on')::date THEN
            p := p || import_problem('/document/published_on', 'a document is published on or after it is signed');
        END IF;
        FOR field IN SELECT unnest(ARRAY['issuers', 'recipients']) LOOP
            IF jsonb_typeof(doc -> field) IS DISTINCT FROM 'array' OR jsonb_array_length(doc -> field) = 0 THEN
                p := p || import_problem('/document/' || field,
                                         format('"%s" must be a non-empty array of codes', field));
                CONTINUE;
            END IF;
            seen := '{}';
            FOR x IN SELECT v, n FROM jsonb_array_elements(doc -> field) WITH ORDINALITY y(v, n) LOOP
                IF jsonb_typeof(x.v) <> 'string' THEN
                    p := p || import_problem(format('/document/%s/%s', field, x.n - 1), 'must be a code (a string)');
                ELSIF field = 'issuers' AND NOT (x.v #>> '{}') = ANY (known_agencies) THEN
                    p := p || import_problem(format('/document/%s/%s', field, x.n - 1),
                        format('unknown agency "%s": declare it under /agencies', x.v #>> '{}'));
                ELSIF field = 'recipients' AND NOT (x.v #>> '{}') = ANY (known_provinces) THEN
                    p := p || import_problem(format('/document/%s/%s', field, x.n - 1),
                        format('unknown province "%s": declare it under /provinces', x.v #>> '{}'));
                ELSIF (x.v #>> '{}') = ANY (seen) THEN
                    p := p || import_problem(format('/document/%s/%s', field, x.n - 1),
                                             format('"%s" is listed twice', x.v #>> '{}'));
                END IF;
                seen := seen || (x.v #>> '{}');
            END LOOP;
        END LOOP;
        IF jsonb_typeof(doc -> 'recipients') = 'array' THEN
            recipients := ARRAY(SELECT jsonb_array_elements_text(doc -> 'recipients'));
        END IF;
    END IF;

    -- Sections: chapters "3" and their parts "3.1", each code once, a part's chapter present.
    section_codes := '{}';
    FOR e IN SELECT * FROM import_elements(p_doc, 'sections') LOOP
        p := p || import_check_object(e.v, e.ptr, ARRAY['code', 'title_zh', 'title_en', 'body_zh', 'body_en']);
        CONTINUE WHEN jsonb_typeof(e.v) <> 'object';
        p := p || import_check_text(e.v, e.ptr, 'code', true, 10, '^[1-9][0-9]*(\.[1-9][0-9]*)?$',
                                    'a chapter "3" or a part "3.1"')
               || import_check_text(e.v, e.ptr, 'title_zh', true, 500)
               || import_check_text(e.v, e.ptr, 'title_en', true, 1000)
               || import_check_text(e.v, e.ptr, 'body_zh', false)
               || import_check_text(e.v, e.ptr, 'body_en', false);
        IF (e.v ->> 'code') = ANY (section_codes) THEN
            p := p || import_problem(e.ptr || '/code', format('section %s appears twice', e.v ->> 'code'));
        END IF;
        section_codes := section_codes || (e.v ->> 'code');
    END LOOP;
    FOR e IN SELECT * FROM import_elements(p_doc, 'sections') LOOP
        IF (e.v ->> 'code') ~ '^[1-9][0-9]*\.[1-9][0-9]*$'
           AND NOT split_part(e.v ->> 'code', '.', 1) = ANY (section_codes) THEN
            p := p || import_problem(e.ptr || '/code', format('part %s has no chapter %s in /sections',
                                                              e.v ->> 'code', split_part(e.v ->> 'code', '.', 1)));
        END IF;
    END LOOP;

    -- Measures.
    declared := '{}';
    FOR e IN SELECT * FROM import_elements(p_doc, 'measures') LOOP
        p := p || import_check_object(e.v, e.ptr, ARRAY['code', 'text_zh', 'text_en', 'joint', 'due_on',
                                                       'agencies', 'provinces', 'localities']);
        CONTINUE WHEN jsonb_typeof(e.v) <> 'object';
        p := p || import_check_text(e.v, e.ptr, 'code', true, 20, '^[1-9][0-9]*\.[1-9][0-9]*\.[1-9][0-9]*$',
                                    'chapter.part.item, e.g. "3.1.2"')
               || import_check_text(e.v, e.ptr, 'text_zh', true)
               || import_check_text(e.v, e.ptr, 'text_en', false)
               || import_check_date(e.v, e.ptr, 'due_on', false);
        IF (e.v ->> 'code') = ANY (declared) THEN
            p := p || import_problem(e.ptr || '/code', format('measure %s appears twice', e.v ->> 'code'));
        END IF;
        declared := declared || (e.v ->> 'code');
        IF (e.v ->> 'code') ~ '^[1-9][0-9]*\.[1-9][0-9]*\.[1-9][0-9]*$'
           AND NOT (split_part(e.v ->> 'code', '.', 1) || '.' || split_part(e.v ->> 'code', '.', 2)) = ANY (section_codes) THEN
            p := p || import_problem(e.ptr || '/code',
                format('measure %s belongs to part %s.%s, which /sections lacks', e.v ->> 'code',
                       split_part(e.v ->> 'code', '.', 1), split_part(e.v ->> 'code', '.', 2)));
        END IF;
        IF e.v ? 'joint' AND jsonb_typeof(e.v -> 'joint') NOT IN ('boolean', 'null') THEN
            p := p || import_problem(e.ptr || '/joint', '"joint" must be true or false');
        END IF;

        -- Its agencies: at least one, each once, one lead (a joint measure may name several).
        IF jsonb_typeof(e.v -> 'agencies') IS DISTINCT FROM 'array' OR jsonb_array_length(e.v -> 'agencies') = 0 THEN
            p := p || import_problem(e.ptr || '/agencies', 'a measure needs its agencies: a non-empty array');
        ELSE
            leads := 0;
            FOR x IN SELECT v, ptr FROM import_elements(e.v, 'agencies') LOOP
                x.ptr := e.ptr || x.ptr;
                p := p || import_check_object(x.v, x.ptr, ARRAY['code', 'role', 'rationale']);
                CONTINUE WHEN jsonb_typeof(x.v) <> 'object';
                p := p || import_check_text(x.v, x.ptr, 'code', true, 8)
                       || import_check_text(x.v, x.ptr, 'role', true, 20)
                       || import_check_text(x.v, x.ptr, 'rationale', true, 2000);
                IF jsonb_typeof(x.v -> 'code') = 'string' AND NOT (x.v ->> 'code') = ANY (known_agencies) THEN
                    p := p || import_problem(x.ptr || '/code',
                        format('unknown agency "%s": declare it under /agencies', x.v ->> 'code'));
                END IF;
                IF jsonb_typeof(x.v -> 'role') = 'string'
                   AND NOT EXISTS (SELECT 1 FROM measure_roles r WHERE r.role = x.v ->> 'role') THEN
                    p := p || import_problem(x.ptr || '/role',
                        format('unknown role "%s": one of %s', x.v ->> 'role',
                               (SELECT string_agg(r.role, ', ' ORDER BY r.sort_order) FROM measure_roles r)));
                END IF;
                IF x.v ->> 'role' = 'lead' THEN
                    leads := leads + 1;
                END IF;
                IF (SELECT count(*) FROM jsonb_array_elements(e.v -> 'agencies') z
                    WHERE z ->> 'code' = x.v ->> 'code') > 1 THEN
                    p := p || import_problem(x.ptr || '/code',
                                             format('agency "%s" is named twice', x.v ->> 'code'));
                END IF;
            END LOOP;
            IF leads = 0 THEN
                p := p || import_problem(e.ptr || '/agencies', 'a measure needs a lead agency (role "lead")');
            ELSIF leads > 1 AND (e.v -> 'joint') IS DISTINCT FROM 'true' THEN
                p := p || import_problem(e.ptr || '/agencies',
                    format('%s leads: a measure has one lead unless it is "joint": true', leads));
            END IF;
        END IF;

        -- Its provinces: absent means every recipient; present, each a recipient, once.
        targets := recipients;
        IF e.v ? 'provinces' THEN
            IF jsonb_typeof(e.v -> 'provinces') <> 'array' OR jsonb_array_length(e.v -> 'provinces') = 0 THEN
                p := p || import_problem(e.ptr || '/provinces',
                    'leave "provinces" out to mean every recipient, or list at least one');
            ELSE
                targets := '{}';
                FOR x IN SELECT v, ptr FROM import_elements(e.v, 'provinces') LOOP
                    x.ptr := e.ptr || x.ptr;
                    p := p || import_check_object(x.v, x.ptr, ARRAY['code', 'rationale']);
                    CONTINUE WHEN jsonb_typeof(x.v) <> 'object';
                    p := p || import_check_text(x.v, x.ptr, 'code', true, 5)
                           || import_check_text(x.v, x.ptr, 'rationale', true, 2000);
                    IF jsonb_typeof(x.v -> 'code') = 'string' AND NOT (x.v ->> 'code') = ANY (recipients) THEN
                        p := p || import_problem(x.ptr || '/code',
                            format('province "%s" is not among the document''s recipients', x.v ->> 'code'));
                    END IF;
                    IF (x.v ->> 'code') = ANY (targets) THEN
                        p := p || import_problem(x.ptr || '/code',
                                                 format('province "%s" is named twice', x.v ->> 'code'));
                    END IF;
                    targets := targets || (x.v ->> 'code');
                END LOOP;
            END IF;
        END IF;

        -- Its localities: each known, in one of its provinces, once.
        IF e.v ? 'localities' AND jsonb_typeof(e.v -> 'localities') <> 'array' THEN
            p := p || import_problem(e.ptr || '/localities', '"localities" must be an array');
        END IF;
        FOR x IN SELECT v, ptr FROM import_elements(e.v, 'localities') LOOP
            x.ptr := e.ptr || x.ptr;
            p := p || import_check_object(x.v, x.ptr, ARRAY['province', 'name_zh', 'rationale']);
            CONTINUE WHEN jsonb_typeof(x.v) <> 'object';
            p := p || import_check_text(x.v, x.ptr, 'province', true, 5)
                   || import_check_text(x.v, x.ptr, 'name_zh', true, 100)
                   || import_check_text(x.v, x.ptr, 'rationale', true, 2000);
            IF NOT EXISTS (SELECT 1 FROM localities l
                           WHERE l.province_code = x.v ->> 'province' AND l.name_zh = x.v ->> 'name_zh')
               AND NOT EXISTS (SELECT 1 FROM import_elements(p_doc, 'localities') d
                               WHERE d.v ->> 'province' = x.v ->> 'province'
                                 AND d.v ->> 'name_zh' = x.v ->> 'name_zh') THEN
                p := p || import_problem(x.ptr || '/name_zh',
                    format('unknown locality %s in %s: declare it under /localities',
                           x.v ->> 'name_zh', x.v ->> 'province'));
            ELSIF NOT (x.v ->> 'province') = ANY (targets) THEN
                p := p || import_problem(x.ptr || '/province',
                    format('locality %s is in %s, which the measure does not target',
                           x.v ->> 'name_zh', x.v ->> 'province'));
            END IF;
            IF (SELECT count(*) FROM jsonb_array_elements(e.v -> 'localities') z
                WHERE z ->> 'province' = x.v ->> 'province' AND z ->> 'name_zh' = x.v ->> 'name_zh') > 1 THEN
                p := p || import_problem(x.ptr || '/name_zh',
                                         format('locality %s is named twice', x.v ->> 'name_zh'));
            END IF;
        END LOOP;
    END LOOP;
    RETURN p;
END
$$;

-- The changes of one row: for each member of p_new whose value differs from
-- p_old's, {op: change, what, key, field, from, to}.
CREATE OR REPLACE FUNCTION import_diff(p_what text, p_key text, p_old jsonb, p_new jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('op', 'change', 'what', p_what, 'key', p_key, 'field', k,
                                                 'from', coalesce(p_old -> k, 'null'), 'to', p_new -> k)
                              ORDER BY k), '[]')
    FROM jsonb_object_keys(p_new) k
    WHERE (p_old -> k) IS DISTINCT FROM (p_new -> k)
      AND NOT ((p_old -> k) IS NULL AND (p_new -> k) = 'null')
$$;

-- Applies a file without problems (document_import() checks first). Returns
-- {outcome, document, version, summary, changes, problems}; problems here are
-- what only applying can find (a removed measure whose tasks have history),
-- and the caller undoes everything when there is one.
CREATE OR REPLACE FUNCTION document_import_apply(p_doc jsonb, p_actor bigint, p_via text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    doc jsonb := p_doc -> 'document';
    d documents;
    is_new boolean := false;
    ch jsonb := '[]';
    problems jsonb := '[]';
    reordered boolean := false;
    e record;
    x record;
    changed record;
    mid integer;
    sid integer;
    old_json jsonb;
    new_json jsonb;
    old_role text;
    old_text text;
    wanted text[];
    targets text[];
    old_due date;
    new_due date;
    tag text;
    n integer;
    kept_codes text[];
    ids bigint[];
    created integer := 0;
    reassigned integer := 0;
    removed integer := 0;
    redated integer := 0;
    new_version integer;
    summary jsonb;
BEGIN
    -- One import at a time: two of the same document would race on its rows.
    PERFORM pg_advisory_xact_lock(7301958414);
    -- Then the writers' lock, exclusive: an import updates many tasks and
    -- appends their events, in no order another writer could follow.
    PERFORM audit_write_lock(true);

    -- Reference data the file declares and the catalogue lacks.
    FOR e IN SELECT * FROM import_elements(p_doc, 'agencies') LOOP
        CONTINUE WHEN EXISTS (SELECT 1 FROM agencies WHERE code = e.v ->> 'code');
        INSERT INTO agencies (code, name_zh, full_name_zh, name_en, abbr_en, successor_name_zh,
                              successor_name_en, successor_abbr_en, remit_en, sort_order)
        VALUES (e.v ->> 'code', e.v ->> 'name_zh', e.v ->> 'full_name_zh', e.v ->> 'name_en', e.v ->> 'abbr_en',
                e.v ->> 'successor_name_zh', e.v ->> 'successor_name_en', e.v ->> 'successor_abbr_en',
                e.v ->> 'remit_en', (SELECT coalesce(max(sort_order), 0) + 1 FROM agencies));
        ch := ch || jsonb_build_object('op', 'add', 'what', 'agency', 'key', e.v ->> 'code');
    END LOOP;
    FOR e IN SELECT * FROM import_elements(p_doc, 'provinces') LOOP
        CONTINUE WHEN EXISTS (SELECT 1 FROM provinces WHERE code = e.v ->> 'code');
        INSERT INTO provinces (code, name_zh, short_zh, name_en, sort_order)
        VALUES (e.v ->> 'code', e.v ->> 'name_zh', e.v ->> 'short_zh', e.v ->> 'name_en',
                (SELECT coalesce(max(sort_order), 0) + 1 FROM provinces));
        ch := ch || jsonb_build_object('op', 'add', 'what', 'province', 'key', e.v ->> 'code');
    END LOOP;
    FOR e IN SELECT * FROM import_elements(p_doc, 'localities') LOOP
        CONTINUE WHEN EXISTS (SELECT 1 FROM localities
                              WHERE province_code = e.v ->> 'province' AND name_zh = e.v ->> 'name_zh');
        INSERT INTO localities (province_code, name_zh, name_en, kind, sort_order)
        VALUES (e.v ->> 'province', e.v ->> 'name_zh', e.v ->> 'name_en', e.v ->> 'kind',
                (SELECT coalesce(max(sort_order), 0) + 1 FROM localities));
        ch := ch || jsonb_build_object('op', 'add', 'what', 'locality',
                                       'key', (e.v ->> 'province') || '/' || (e.v ->> 'name_zh'));
    END LOOP;

    -- The document.
    new_json := jsonb_build_object(
        'title_zh', doc -> 'title_zh', 'title_en', doc -> 'title_en',
        'issuers', doc -> 'issuers', 'recipients', doc -> 'recipients',
        'signed_on', doc -> 'signed_on', 'published_on', doc -> 'published_on',
        'source_url', coalesce(doc -> 'source_url', 'null'),
        'classification', coalesce(doc -> 'classification', '"public"'),
        'preamble_zh', coalesce(doc -> 'preamble_zh', '""'), 'preamble_en', coalesce(doc -> 'preamble_en', '""'));
    SELECT * INTO d FROM documents WHERE code = doc ->> 'code' FOR UPDATE;
    IF NOT FOUND THEN
        is_new := true;
        INSERT INTO documents (code, title_zh, title_en, issuers, recipients, signed_on, published_on,
                               preamble_zh, preamble_en, source_url, classification)
        VALUES (doc ->> 'code', new_json ->> 'title_zh', new_json ->> 'title_en',
                ARRAY(SELECT jsonb_array_elements_text(doc -> 'issuers')),
                ARRAY(SELECT jsonb_array_elements_text(doc -> 'recipients')),
                (new_json ->> 'signed_on')::date, (new_json ->> 'published_on')::date,
                new_json ->> 'preamble_zh', new_json ->> 'preamble_en', new_json ->> 'source_url',
                new_json ->> 'classification')
        RETURNING * INTO d;
        ch := ch || jsonb_build_object('op', 'add', 'what', 'document', 'key', d.code);
    ELSE
        old_json := jsonb_build_object(
            'title_zh', d.title_zh, 'title_en', d.title_en, 'issuers', to_jsonb(d.issuers),
            'recipients', to_jsonb(d.recipients), 'signed_on', d.signed_on, 'published_on', d.published_on,
            'source_url', d.source_url, 'classification', d.classification,
            'preamble_zh', d.preamble_zh, 'preamble_en', d.preamble_en);
        ch := ch || import_diff('document', d.code, old_json, new_json);
        UPDATE documents SET title_zh = new_json ->> 'title_zh', title_en = new_json ->> 'title_en',
                             issuers = ARRAY(SELECT jsonb_array_elements_text(doc -> 'issuers')),
                             recipients = ARRAY(SELECT jsonb_array_elements_text(doc -> 'recipients')),
                             signed_on = (new_json ->> 'signed_on')::date,
                             published_on = (new_json ->> 'published_on')::date,
                             preamble_zh = new_json ->> 'preamble_zh', preamble_en = new_json ->> 'preamble_en',
                             source_url = new_json ->> 'source_url',
                             classification = new_json ->> 'classification'
        WHERE id = d.id;
    END IF;

    -- Sections, chapters before their parts.
    FOR e IN SELECT * FROM import_elements(p_doc, 'sections') ORDER BY (v ->> 'code') LIKE '%.%', i LOOP
        new_json := jsonb_build_object('title_zh', e.v -> 'title_zh', 'title_en', e.v -> 'title_en',
                                       'body_zh', coalesce(e.v -> 'body_zh', 'null'),
                                       'body_en', coalesce(e.v -> 'body_en', 'null'));
        SELECT s.id, jsonb_build_object('title_zh', s.title_zh, 'title_en', s.title_en, 'body_zh', s.body_zh,
                                        'body_en', s.body_en), s.sort_order
        INTO sid, old_json, n
        FROM sections s WHERE s.document_id = d.id AND s.code = e.v ->> 'code';
        IF sid IS NULL THEN
            INSERT INTO sections (document_id, code, parent_id, chapter, part, title_zh, title_en, body_zh, body_en,
                                  sort_order)
            VALUES (d.id, e.v ->> 'code',
                    (SELECT s.id FROM sections s
                     WHERE s.document_id = d.id AND s.code = split_part(e.v ->> 'code', '.', 1)
                       AND (e.v ->> 'code') LIKE '%.%'),
                    split_part(e.v ->> 'code', '.', 1)::integer,
                    nullif(split_part(e.v ->> 'code', '.', 2), '')::integer,
                    e.v ->> 'title_zh', e.v ->> 'title_en', e.v ->> 'body_zh', e.v ->> 'body_en', e.i);
            IF NOT is_new THEN
                ch := ch || jsonb_build_object('op', 'add', 'what', 'section', 'key', e.v ->> 'code');
            END IF;
        ELSE
            ch := ch || import_diff('section', e.v ->> 'code', old_json, new_json);
            reordered := reordered OR n <> e.i;
            UPDATE sections SET title_zh = e.v ->> 'title_zh', title_en = e.v ->> 'title_en',
                                body_zh = e.v ->> 'body_zh', body_en = e.v ->> 'body_en', sort_order = e.i
            WHERE id = sid;
        END IF;
        sid := NULL;
    END LOOP;

    -- Measures and who carries them where.
    FOR e IN SELECT * FROM import_elements(p_doc, 'measures') ORDER BY i LOOP
        tag := e.v ->> 'code';
        new_due := (e.v ->> 'due_on')::date;
        new_json := jsonb_build_object('text_zh', e.v -> 'text_zh', 'text_en', coalesce(e.v -> 'text_en', 'null'),
                                       'joint', coalesce(e.v -> 'joint', 'false'),
                                       'due_on', coalesce(e.v -> 'due_on', 'null'));
        SELECT m.id, jsonb_build_object('text_zh', m.text_zh, 'text_en', m.text_en, 'joint', m.joint,
                                        'due_on', m.due_on), m.sort_order, m.due_on
        INTO mid, old_json, n, old_due
        FROM measures m WHERE m.document_id = d.id AND m.code = tag;
        IF mid IS NULL THEN
            INSERT INTO measures (document_id, section_id, code, item, text_zh, text_en, joint, due_on, sort_order)
            VALUES (d.id, (SELECT s.id FROM sections s WHERE s.document_id = d.id
                             AND s.code = split_part(tag, '.', 1) || '.' || split_part(tag, '.', 2)),
                    tag, split_part(tag, '.', 3)::integer, e.v ->> 'text_zh', e.v ->> 'text_en',
                    coalesce((e.v ->> 'joint')::boolean, false), new_due, e.i)
            RETURNING id INTO mid;
            IF NOT is_new THEN
                ch := ch || jsonb_build_object('op', 'add', 'what', 'measure', 'key', tag);
            END IF;
        ELSE
            ch := ch || import_diff('measure', tag, old_json, new_json);
            reordered := reordered OR n <> e.i;
            UPDATE measures SET text_zh = e.v ->> 'text_zh', text_en = e.v ->> 'text_en',
                                joint = coalesce((e.v ->> 'joint')::boolean, false), due_on = new_due,
                                sort_order = e.i
            WHERE id = mid;
            -- Tasks still on the old deadline follow the new one; a date set by hand stays.
            IF old_due IS DISTINCT FROM new_due THEN
                FOR changed IN UPDATE tasks SET due_date = new_due, version = version + 1, updated_at = now(),
                                          updated_by = p_actor
                         WHERE measure_id = mid AND due_date IS NOT DISTINCT FROM old_due
                         RETURNING id LOOP
                    INSERT INTO events (actor_id, subject_type, subject_id, kind, changes, note)
                    VALUES (p_actor, 'task', changed.id, 'task.redated',
                            jsonb_build_object('due_date', jsonb_build_object('from', old_due, 'to', new_due)),
                            format('document %s: measure %s due on %s', d.code, tag, coalesce(new_due::text, '-')));
                    redated := redated + 1;
                END LOOP;
            END IF;
        END IF;

        -- Provinces (absent: every recipient).
        targets := CASE WHEN e.v ? 'provinces'
                        THEN ARRAY(SELECT p.v ->> 'code' FROM import_elements(e.v, 'provinces') p)
                        ELSE ARRAY(SELECT jsonb_array_elements_text(doc -> 'recipients')) END;
        FOR x IN SELECT p.v ->> 'code' AS code, p.v ->> 'rationale' AS rationale
                 FROM import_elements(e.v, 'provinces') p
                 UNION ALL
                 SELECT c, format('The text names no province or place: it applies to all %s recipients.',
                                  jsonb_array_length(doc -> 'recipients'))
                 FROM jsonb_array_elements_text(doc -> 'recipients') c
                 WHERE NOT e.v ? 'provinces' LOOP
            SELECT mp.rationale INTO old_text FROM measure_provinces mp
            WHERE mp.measure_id = mid AND mp.province_code = x.code;
            IF NOT FOUND THEN
                INSERT INTO measure_provinces (measure_id, province_code, rationale) VALUES (mid, x.code, x.rationale);
                IF old_json IS NOT NULL THEN
                    ch := ch || jsonb_build_object('op', 'add', 'what', 'measure_province', 'key', tag || '/' || x.code);
                END IF;
            ELSIF old_text <> x.rationale THEN
                ch := ch || import_diff('measure_province', tag || '/' || x.code,
                                        jsonb_build_object('rationale', old_text),
                                        jsonb_build_object('rationale', x.rationale));
                UPDATE measure_provinces SET rationale = x.rationale WHERE measure_id = mid AND province_code = x.code;
            END IF;
        END LOOP;

        -- Agencies: new ones added, changed roles re-assign their tasks.
        wanted := ARRAY(SELECT a.v ->> 'code' FROM import_elements(e.v, 'agencies') a);
        FOR x IN SELECT a.v ->> 'code' AS code, a.v ->> 'role' AS role, a.v ->> 'rationale' AS rationale
                 FROM import_elements(e.v, 'agencies') a LOOP
            SELECT ma.role, ma.rationale INTO old_role, old_text
            FROM measure_agencies ma WHERE ma.measure_id = mid AND ma.agency_code = x.code;
            IF NOT FOUND THEN
                INSERT INTO measure_agencies (measure_id, agency_code, role, rationale)
                VALUES (mid, x.code, x.role, x.rationale);
                IF old_json IS NOT NULL THEN
                    ch := ch || jsonb_build_object('op', 'add', 'what', 'measure_agency',
                                                   'key', tag || '/' || x.code, 'role', x.role);
                END IF;
                CONTINUE;
            END IF;
            ch := ch || import_diff('measure_agency', tag || '/' || x.code,
                                    jsonb_build_object('role', old_role, 'rationale', old_text),
                                    jsonb_build_object('role', x.role, 'rationale', x.rationale));
            IF old_role <> x.role OR old_text <> x.rationale THEN
                -- The role cascades to the tasks (their foreign key).
                UPDATE measure_agencies SET role = x.role, rationale = x.rationale
                WHERE measure_id = mid AND agency_code = x.code;
            END IF;
            IF old_role <> x.role THEN
                -- Each re-assigned task says so in its trail, and its version moves
                -- so that a form opened before re-loads.
                FOR changed IN UPDATE tasks SET version = version + 1, updated_at = now(), updated_by = p_actor
                         WHERE measure_id = mid AND agency_code = x.code
                         RETURNING id LOOP
                    INSERT INTO events (actor_id, subject_type, subject_id, kind, changes, note)
                    VALUES (p_actor, 'task', changed.id, 'task.reassigned',
                            jsonb_build_object('role', jsonb_build_object('from', old_role, 'to', x.role)),
                            format('document %s: %s', d.code, x.rationale));
                    reassigned := reassigned + 1;
                END LOOP;
            END IF;
        END LOOP;

        -- Localities.
        FOR x IN SELECT l.id, l.name_zh, lv.v ->> 'rationale' AS rationale
                 FROM import_elements(e.v, 'localities') lv
                 JOIN localities l ON l.province_code = lv.v ->> 'province' AND l.name_zh = lv.v ->> 'name_zh' LOOP
            SELECT ml.rationale INTO old_text FROM measure_localities ml
            WHERE ml.measure_id = mid AND ml.locality_id = x.id;
            IF NOT FOUND THEN
                INSERT INTO measure_localities (measure_id, locality_id, rationale) VALUES (mid, x.id, x.rationale);
                IF old_json IS NOT NULL THEN
                    ch := ch || jsonb_build_object('op', 'add', 'what', 'measure_locality',
                                                   'key', tag || '/' || x.name_zh);
                END IF;
            ELSIF old_text <> x.rationale THEN
                ch := ch || import_diff('measure_locality', tag || '/' || x.name_zh,
                                        jsonb_build_object('rationale', old_text),
                                        jsonb_build_object('rationale', x.rationale));
                UPDATE measure_localities SET rationale = x.rationale WHERE measure_id = mid AND locality_id = x.id;
            END IF;
        END LOOP;

        -- What the file no longer names: localities go; agencies and provinces go
        -- with their tasks, unless a task has history.
        FOR x IN DELETE FROM measure_localities ml
                 WHERE ml.measure_id = mid
                   AND ml.locality_id NOT IN (SELECT l.id FROM import_elements(e.v, 'localities') lv
                                              JOIN localities l ON l.province_code = lv.v ->> 'province'
                                                               AND l.name_zh = lv.v ->> 'name_zh')
                 RETURNING (SELECT l.name_zh FROM localities l WHERE l.id = ml.locality_id) AS name_zh LOOP
            ch := ch || jsonb_build_object('op', 'remove', 'what', 'measure_locality', 'key', tag || '/' || x.name_zh);
        END LOOP;
        FOR x IN SELECT t.id, t.agency_code, t.province_code FROM tasks t
                 WHERE t.measure_id = mid AND (t.agency_code <> ALL (wanted) OR t.province_code <> ALL (targets))
                 ORDER BY t.id LOOP
            IF task_has_history(x.id) THEN
                problems := problems || import_problem(e.ptr,
                    format('measure %s no longer names %s in %s, but their task %s has history (changes, reports, '
                           'files or evaluations); keep the mapping (its rationale can say the part is minor)',
                           tag, x.agency_code, x.province_code, x.id));
            ELSE
                DELETE FROM tasks WHERE id = x.id;
                removed := removed + 1;
            END IF;
        END LOOP;
        FOR x IN DELETE FROM measure_agencies ma
                 WHERE ma.measure_id = mid AND ma.agency_code <> ALL (wanted)
                   AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.measure_id = mid AND t.agency_code = ma.agency_code)
                 RETURNING ma.agency_code LOOP
            ch := ch || jsonb_build_object('op', 'remove', 'what', 'measure_agency', 'key', tag || '/' || x.agency_code);
        END LOOP;
        FOR x IN DELETE FROM measure_provinces mp
                 WHERE mp.measure_id = mid AND mp.province_code <> ALL (targets)
                   AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.measure_id = mid AND t.province_code = mp.province_code)
                 RETURNING mp.province_code LOOP
            ch := ch || jsonb_build_object('op', 'remove', 'what', 'measure_province', 'key', tag || '/' || x.province_code);
        END LOOP;

        -- A task for every agency in every province, in the catalogue's order.
        WITH made AS (
            INSERT INTO tasks (measure_id, agency_code, province_code, role, due_date, updated_by)
            SELECT ma.measure_id, ma.agency_code, mp.province_code, ma.role, new_due, p_actor
            FROM measure_agencies ma
            JOIN measure_provinces mp ON mp.measure_id = ma.measure_id
            JOIN measure_roles r ON r.role = ma.role
            JOIN agencies a ON a.code = ma.agency_code
            JOIN provinces p ON p.code = mp.province_code
            WHERE ma.measure_id = mid
              AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.measure_id = mid AND t.agency_code = ma.agency_code
                                                      AND t.province_code = mp.province_code)
            ORDER BY r.sort_order, a.sort_order, p.sort_order
            RETURNING 1)
        SELECT created + count(*) INTO created FROM made;
        mid := NULL;
        old_json := NULL;
    END LOOP;

    -- Measures the file no longer holds go, unless one of their tasks has history.
    kept_codes := ARRAY(SELECT v ->> 'code' FROM import_elements(p_doc, 'measures'));
    FOR x IN SELECT m.id, m.code FROM measures m
             WHERE m.document_id = d.id AND m.code <> ALL (kept_codes) ORDER BY m.sort_order LOOP
        ids := ARRAY(SELECT t.id FROM tasks t WHERE t.measure_id = x.id AND task_has_history(t.id) ORDER BY t.id);
        IF cardinality(ids) > 0
           OR EXISTS (SELECT 1 FROM evaluations v WHERE v.subject_type = 'measure' AND v.subject = x.code) THEN
            problems := problems || import_problem('/measures',
                format('measure %s is no longer in the file, but it has history (tasks %s, or evaluations); '
                       'keep it', x.code, coalesce(array_to_string(ids, ', '), '-')));
            CONTINUE;
        END IF;
        DELETE FROM measure_localities WHERE measure_id = x.id;
        WITH gone AS (DELETE FROM tasks WHERE measure_id = x.id RETURNING 1)
        SELECT removed + count(*) INTO removed FROM gone;
        DELETE FROM measure_agencies WHERE measure_id = x.id;
        DELETE FROM measure_provinces WHERE measure_id = x.id;
        DELETE FROM measures WHERE id = x.id;
        ch := ch || jsonb_build_object('op', 'remove', 'what', 'measure', 'key', x.code);
    END LOOP;
    FOR x IN DELETE FROM sections s
             WHERE s.document_id = d.id AND s.parent_id IS NOT NULL
               AND s.code NOT IN (SELECT v ->> 'code' FROM import_elements(p_doc, 'sections'))
               AND NOT EXISTS (SELECT 1 FROM measures m WHERE m.section_id = s.id)
             RETURNING s.code LOOP
        ch := ch || jsonb_build_object('op', 'remove', 'what', 'section', 'key', x.code);
    END LOOP;
    FOR x IN DELETE FROM sections s
             WHERE s.document_id = d.id AND s.parent_id IS NULL
               AND s.code NOT IN (SELECT v ->> 'code' FROM import_elements(p_doc, 'sections'))
               AND NOT EXISTS (SELECT 1 FROM sections c WHERE c.parent_id = s.id)
               AND NOT EXISTS (SELECT 1 FROM measures m WHERE m.section_id = s.id)
             RETURNING s.code LOOP
        ch := ch || jsonb_build_object('op', 'remove', 'what', 'section', 'key', x.code);
    END LOOP;

    summary := jsonb_build_object(
        'measures', (SELECT count(*) FROM measures WHERE document_id = d.id),
        'tasks', (SELECT count(*) FROM tasks t JOIN measures m ON m.id = t.measure_id WHERE m.document_id = d.id),
        'changes', jsonb_array_length(ch),
        'reordered', reordered,
        'tasks_created', created,
        'tasks_reassigned', reassigned,
        'tasks_redated', redated,
        'tasks_removed', removed);
    SELECT coalesce(max(v.version), 0) INTO new_version FROM document_versions v WHERE v.document_id = d.id;
    IF jsonb_array_length(problems) > 0 THEN
        RETURN jsonb_build_object('outcome', 'invalid', 'document', d.code, 'problems', problems);
    ELSIF NOT is_new AND ch = '[]' AND NOT reordered THEN
        RETURN jsonb_build_object('outcome', 'unchanged', 'document', d.code, 'version', new_version,
                                  'summary', summary, 'changes', ch, 'problems', problems);
    END IF;

    new_version := new_version + 1;
    INSERT INTO document_versions (document_id, version, imported_by, via, sha256, content, summary, changes)
    VALUES (d.id, new_version, p_actor, p_via, encode(sha256(convert_to(p_doc::text, 'UTF8')), 'hex'), p_doc,
            summary, ch);
    INSERT INTO events (actor_id, subject_type, subject_id, kind, changes, note)
    VALUES (p_actor, 'document', d.id, CASE WHEN is_new THEN 'document.imported' ELSE 'document.revised' END,
            jsonb_build_object('version', jsonb_build_object('from', nullif(new_version - 1, 0), 'to', new_version)),
            format('%s changes; tasks: %s created, %s re-assigned, %s re-dated, %s removed',
                   jsonb_array_length(ch), created, reassigned, redated, removed));
    RETURN jsonb_build_object('outcome', CASE WHEN is_new THEN 'created' ELSE 'updated' END,
                              'document', d.code, 'version', new_version, 'summary', summary,
                              'changes', ch, 'problems', problems);
END
$$;

-- The one entry point (POST /api/v1/documents, `policytrack import
-- document`): check, then apply; undo when applying finds a problem or when
-- only a dry run was asked. Runs as the catalogue's owner: the daemon's role
-- cannot write the catalogue otherwise.
CREATE OR REPLACE FUNCTION document_import(p_doc jsonb, p_actor bigint, p_via text, p_dry_run boolean)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    problems jsonb;
    result jsonb;
BEGIN
    problems := document_import_problems(p_doc);
    IF jsonb_array_length(problems) > 0 THEN
        RETURN jsonb_build_object('outcome', 'invalid', 'dry_run', p_dry_run, 'problems', problems);
    END IF;
    BEGIN
        result := document_import_apply(p_doc, p_actor, p_via);
        IF result ->> 'outcome' = 'invalid' OR p_dry_run THEN
            RAISE EXCEPTION 'undone' USING ERRCODE = 'PT901';
        END IF;
    EXCEPTION WHEN SQLSTATE 'PT901' THEN
        NULL; -- the subtransaction's writes are gone; result says what they were
    END;
    RETURN result || jsonb_build_object('dry_run', p_dry_run);
END
$$;

REVOKE ALL ON FUNCTION document_import_apply(jsonb, bigint, text) FROM PUBLIC, policytrack_app;

-- What `document=` narrows lists and dashboards to, and the one check of a
-- list's or dashboard's catalogue filters (docs/api.md, "Documents").
--
-- The agencies and provinces a document concerns are those that carry one of
-- its measures (measure_agencies, measure_provinces): a dashboard asked for
-- one document has a row for each of them and no other, and reporting
-- compliance for it counts the provinces that have something to report on.
CREATE OR REPLACE VIEW document_agencies AS
SELECT DISTINCT m.document_id, ma.agency_code
FROM measure_agencies ma
JOIN measures m ON m.id = ma.measure_id;

CREATE OR REPLACE VIEW document_provinces AS
SELECT DISTINCT m.document_id, mp.province_code
FROM measure_provinces mp
JOIN measures m ON m.id = mp.measure_id;

-- The first filter that cannot be answered, in the form api_reply_filter_problem()
-- reads, or NULL when all can: 'document', 'agency', 'province', 'measure' or
-- 'section' for a value that names nothing; '400:FIELD:MESSAGE' for a section
-- or measure that exists, but not in the document asked for; and
-- 'ambiguous:FIELD:CODE,CODE' when a section or measure code recurs in several
-- documents (3.1.2 is in many) and no document says which: answering for all
-- of them would mix unrelated measures under one code. NULL arguments are
-- filters not given.
--
-- PL/pgSQL, not SQL: a SQL function this long is not inlined but parsed
-- and planned again on every call, which cost a list page about 0.3 ms.
-- Each check is a statement of its own, run only for a filter given, in the
-- order the answer names them: a page whose filters are an agency asks one
-- index lookup (one query holding all the checks took 60-120 µs a page, a
-- tenth of a task page's time). Each statement is small enough that its
-- generic plan is as good as any, which PL/pgSQL keeps after five calls.
CREATE OR REPLACE FUNCTION catalogue_filter_problem(p_document text, p_agency text, p_province text,
                                                    p_section text, p_measure text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    codes text[];
BEGIN
    IF p_document IS NOT NULL THEN
        IF NOT EXISTS (SELECT 1 FROM documents WHERE code = p_document) THEN
            RETURN 'document';
        END IF;
    END IF;
    IF p_agency IS NOT NULL THEN
        IF NOT EXISTS (SELECT 1 FROM agencies WHERE code = p_agency) THEN
            RETURN 'agency';
        END IF;
    END IF;
    IF p_province IS NOT NULL THEN
        IF NOT EXISTS (SELECT 1 FROM provinces WHERE code = p_province) THEN
            RETURN 'province';
        END IF;
    END IF;
    IF p_measure IS NOT NULL THEN
        SELECT array_agg(d.code ORDER BY d.id) INTO codes
        FROM measures m
        JOIN documents d ON d.id = m.document_id
        WHERE m.code = p_measure AND (p_document IS NULL OR d.code = p_document);
        IF codes IS NULL THEN
            RETURN CASE WHEN p_document IS NULL THEN 'measure'
                        ELSE format('400:measure:''%s'' is not a measure of document %s', p_measure, p_document) END;
        ELSIF cardinality(codes) > 1 THEN
            RETURN 'ambiguous:measure:' || array_to_string(codes, ',');
        END IF;
    END IF;
    IF p_section IS NOT NULL THEN
        SELECT array_agg(d.code ORDER BY d.id) INTO codes
        FROM sections s
        JOIN documents d ON d.id = s.document_id
        WHERE s.code = p_section AND (p_document IS NULL OR d.code = p_document);
        IF codes IS NULL THEN
            RETURN CASE WHEN p_document IS NULL THEN 'section'
                        ELSE format('400:section:''%s'' is not a section of document %s', p_section, p_document) END;
        ELSIF cardinality(codes) > 1 THEN
            RETURN 'ambiguous:section:' || array_to_string(codes, ',');
        END IF;
    END IF;
    RETURN NULL;
END
$$;

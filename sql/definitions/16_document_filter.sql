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
-- PL/pgSQL, not SQL, with a generic plan forced: a SQL function this long
-- (a CTE) is not inlined but parsed and planned again on every call, which
-- cost a list page about 0.3 ms, more than the rest of its checks; PL/pgSQL
-- keeps the plan for the session, and the tables it reads are small enough
-- for one plan to serve every set of filters.
CREATE OR REPLACE FUNCTION catalogue_filter_problem(p_document text, p_agency text, p_province text,
                                                    p_section text, p_measure text) RETURNS text
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    problem text;
BEGIN
    WITH measure_docs AS (
        SELECT array_agg(d.code ORDER BY d.id) AS codes
        FROM measures m
        JOIN documents d ON d.id = m.document_id
        WHERE m.code = p_measure AND (p_document IS NULL OR d.code = p_document)
    ),
    section_docs AS (
        SELECT array_agg(d.code ORDER BY d.id) AS codes
        FROM sections s
        JOIN documents d ON d.id = s.document_id
        WHERE s.code = p_section AND (p_document IS NULL OR d.code = p_document)
    )
    SELECT CASE
        WHEN p_document IS NOT NULL AND NOT EXISTS (SELECT 1 FROM documents WHERE code = p_document)
        THEN 'document'
        WHEN p_agency IS NOT NULL AND NOT EXISTS (SELECT 1 FROM agencies WHERE code = p_agency)
        THEN 'agency'
        WHEN p_province IS NOT NULL AND NOT EXISTS (SELECT 1 FROM provinces WHERE code = p_province)
        THEN 'province'
        WHEN p_measure IS NOT NULL AND (SELECT codes FROM measure_docs) IS NULL
        THEN CASE WHEN p_document IS NULL THEN 'measure'
                  ELSE format('400:measure:''%s'' is not a measure of document %s', p_measure, p_document) END
        WHEN p_measure IS NOT NULL AND cardinality((SELECT codes FROM measure_docs)) > 1
        THEN 'ambiguous:measure:' || array_to_string((SELECT codes FROM measure_docs), ',')
        WHEN p_section IS NOT NULL AND (SELECT codes FROM section_docs) IS NULL
        THEN CASE WHEN p_document IS NULL THEN 'section'
                  ELSE format('400:section:''%s'' is not a section of document %s', p_section, p_document) END
        WHEN p_section IS NOT NULL AND cardinality((SELECT codes FROM section_docs)) > 1
        THEN 'ambiguous:section:' || array_to_string((SELECT codes FROM section_docs), ',')
    END
    INTO problem;
    RETURN problem;
END
$$;

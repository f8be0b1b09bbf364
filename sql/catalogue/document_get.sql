-- One document with its preamble, source and section tree, chapters holding
-- their parts, each with its counts (GET /api/v1/documents/{id}).
-- $1 id text: the numeric id or the document's code
-- returns: the document's JSON; no row when there is none
SELECT ({{document_json}}::jsonb
        || jsonb_build_object(
               'preamble_zh', d.preamble_zh,
               'preamble_en', d.preamble_en,
               'source_url', d.source_url,
               'sections', (
                   -- x is the chapter c again, so that section_counts reads one name.
                   SELECT jsonb_agg(jsonb_build_object(
                              'code', x.code,
                              'chapter', x.chapter,
                              'title_zh', x.title_zh,
                              'title_en', x.title_en,
                              'body_zh', x.body_zh,
                              'body_en', x.body_en,
                              {{section_counts}},
                              'parts', (
                                  SELECT coalesce(jsonb_agg(jsonb_build_object(
                                                                'code', x.code,
                                                                'part', x.part,
                                                                'title_zh', x.title_zh,
                                                                'title_en', x.title_en,
                                                                'body_zh', x.body_zh,
                                                                'body_en', x.body_en,
                                                                {{section_counts}})
                                                            ORDER BY x.sort_order), '[]')
                                  FROM sections x
                                  WHERE x.parent_id = c.id))
                          ORDER BY c.sort_order)
                   FROM sections c
                   CROSS JOIN LATERAL (SELECT c.*) AS x
                   WHERE c.document_id = d.id AND c.parent_id IS NULL)))::text
FROM documents d
WHERE d.id::text = $1 OR d.code = $1

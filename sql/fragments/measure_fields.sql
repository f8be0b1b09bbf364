-- A measure `m` in section `s` as json_build_object's first key/value pairs:
-- its document (by code: measure codes recur across documents), where it
-- sits there and its text. No parameters.
'document', (SELECT d.code FROM documents d WHERE d.id = m.document_id),
'code', m.code,
'section', s.code,
'chapter', s.chapter,
'part', s.part,
'item', m.item,
'text_zh', m.text_zh,
'text_en', m.text_en,
'joint', m.joint

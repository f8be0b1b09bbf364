-- A measure `m` in section `s` as json_build_object's first key/value pairs:
-- where it sits in the notice and its text. No parameters.
'code', m.code,
'section', s.code,
'chapter', s.chapter,
'part', s.part,
'item', m.item,
'text_zh', m.text_zh,
'text_en', m.text_en,
'joint', m.joint

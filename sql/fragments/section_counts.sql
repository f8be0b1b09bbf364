-- The counts of a section `x` as json_build_object's key/value pairs: its
-- measures and tasks, a chapter counting those of its parts. No parameters.
'measures', (SELECT count(*)
             FROM measures m
             JOIN sections ms ON ms.id = m.section_id
             WHERE ms.id = x.id OR ms.parent_id = x.id),
'tasks', (SELECT count(*)
          FROM tasks t
          JOIN measures m ON m.id = t.measure_id
          JOIN sections ms ON ms.id = m.section_id
          WHERE ms.id = x.id OR ms.parent_id = x.id)

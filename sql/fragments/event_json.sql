-- An event `e` of the audit trail as JSON, with its actor `u` (LEFT JOINed:
-- NULL for the system) named, not just numbered. No parameters.
json_build_object('id', e.id,
                  'at', e.at,
                  'actor', CASE WHEN u.id IS NULL THEN NULL
                           ELSE json_build_object('username', u.username,
                                                  'display_name', u.display_name,
                                                  'role', u.role) END,
                  'subject_type', e.subject_type,
                  'subject_id', e.subject_id,
                  'kind', e.kind,
                  'changes', e.changes,
                  'note', e.note,
                  'hash', e.hash)

-- A reporting period `pe` as JSON.
json_build_object('code', pe.code,
                  'starts_on', pe.starts_on,
                  'ends_on', pe.ends_on,
                  'due_on', pe.due_on,
                  'closed', pe.closed_at IS NOT NULL,
                  'closed_at', pe.closed_at)

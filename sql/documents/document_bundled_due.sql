-- Whether `policytrack migrate` imports a bundled document: it is new, or its latest version came from migration 0003 or a bundled file (a person's import is theirs to keep).
-- $1 code text: the document's code
-- returns: true or false
SELECT coalesce((SELECT v.via IN ('migration', 'bundled')
                 FROM document_versions v
                 JOIN documents d ON d.id = v.document_id
                 WHERE d.code = $1
                 ORDER BY v.version DESC
                 LIMIT 1), true)

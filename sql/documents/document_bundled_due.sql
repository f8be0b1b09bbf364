-- What `policytrack migrate` does with a bundled document: 'import' when it is new, or its latest version came from migration 0003 or from an earlier bundled file that differs from this one; 'unchanged' when that latest version is this very file (so that later data, synthetic or real, is never reconciled against it again); 'kept' when a person imported the latest version (theirs to keep).
-- $1 code text: the document's code
-- $2 content text: the bundled file, as JSON text
-- returns: action (import, unchanged or kept), version (the latest, 0 when none)
SELECT coalesce((SELECT CASE
                            WHEN v.via = 'bundled'
                                 AND v.sha256 = encode(sha256(convert_to($2::jsonb::text, 'UTF8')), 'hex')
                                THEN 'unchanged'
                            WHEN v.via IN ('migration', 'bundled') THEN 'import'
                            ELSE 'kept'
                        END
                 FROM document_versions v
                 JOIN documents d ON d.id = v.document_id
                 WHERE d.code = $1
                 ORDER BY v.version DESC
                 LIMIT 1), 'import') AS action,
       coalesce((SELECT max(v.version)
                 FROM document_versions v
                 JOIN documents d ON d.id = v.document_id
                 WHERE d.code = $1), 0) AS version

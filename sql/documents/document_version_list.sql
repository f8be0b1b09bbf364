-- A document's versions, newest first, each with what it changed (GET /api/v1/documents/{id}/versions).
-- $1 id text: the numeric id or the document's code
-- returns: one row, the JSON array; no row when there is no such document
SELECT (SELECT coalesce(json_agg(json_build_object('version', v.version,
                                                   'imported_at', v.imported_at,
                                                   'imported_by', u.username,
                                                   'via', v.via,
                                                   'sha256', v.sha256,
                                                   'summary', v.summary,
                                                   'changes', v.changes)
                                 ORDER BY v.version DESC), '[]')
        FROM document_versions v
        LEFT JOIN users u ON u.id = v.imported_by
        WHERE v.document_id = d.id)::text
FROM documents d
WHERE d.id::text = $1 OR d.code = $1

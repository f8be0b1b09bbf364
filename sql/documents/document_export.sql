-- A document in the import format of docs/import.md (GET /api/v1/documents/{id}/export, `policytrack export document`).
-- $1 id text: the numeric id or the document's code
-- returns: the document's JSON; no row when there is none
SELECT document_export(d.code)::text
FROM documents d
WHERE d.id::text = $1 OR d.code = $1

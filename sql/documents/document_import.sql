-- Imports a document, or checks and plans the import when dry_run (POST /api/v1/documents, `policytrack import document`).
-- $1 content jsonb: the document in the format of docs/import.md
-- $2 actor bigint: the importing user; NULL from the command line
-- $3 via text: 'api', 'cli' or 'bundled'
-- $4 dry_run bool
-- returns: {outcome: created|updated|unchanged|invalid, dry_run, document, version, summary, changes, problems}
SELECT document_import($1::jsonb, $2::bigint, $3, $4::bool)::text

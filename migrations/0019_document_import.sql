-- Documents become data: `policytrack import document` and POST
-- /api/v1/documents load any policy document in the format of docs/import.md
-- through document_import() (sql/definitions/51_document_import.sql). Each
-- import that changes something is kept as a numbered version with what it
-- changed; a task's history survives every version.

-- English is optional for a measure (a document may arrive in Chinese only);
-- when given it is still never empty.
ALTER TABLE measures ALTER COLUMN text_en DROP NOT NULL;

-- A measure's deadline as the document sets it (a Beijing date); the tasks an
-- import creates start with it.
ALTER TABLE measures ADD COLUMN due_on date;

CREATE TABLE document_versions (
    document_id integer NOT NULL REFERENCES documents,
    version     integer NOT NULL CHECK (version > 0),
    imported_at timestamptz NOT NULL DEFAULT now(),
    imported_by bigint REFERENCES users,     -- NULL: by the command line (the database's owner)
    via         text NOT NULL CHECK (via IN ('migration', 'bundled', 'cli', 'api')),
    sha256      text CHECK (sha256 ~ '^[0-9a-f]{64}$'),   -- of the imported content, canonical
    content     jsonb,                       -- the document as imported (NULL: from migration 0003)
    summary     jsonb NOT NULL DEFAULT '{}', -- counts: measures added, tasks created, ...
    changes     jsonb NOT NULL DEFAULT '[]', -- each change: op, what, key, field, from, to
    PRIMARY KEY (document_id, version)
);

-- The documents compiled into migration 0003 are version 1.
INSERT INTO document_versions (document_id, version, imported_at, via, summary)
SELECT d.id, 1, m.applied_at, 'migration',
       jsonb_build_object('note', 'compiled into migration 0003')
FROM documents d
LEFT JOIN schema_migrations m ON m.version = 3;

-- Imports are recorded in the audit trail as the document's events.
ALTER TABLE events DROP CONSTRAINT events_subject_type_check;
ALTER TABLE events ADD CONSTRAINT events_subject_type_check
    CHECK (subject_type IN ('task', 'report', 'evaluation', 'indicator_value', 'document'));

-- Least privilege: the catalogue changes only through document_import()
-- (SECURITY DEFINER, run as the owner), which checks everything first; the
-- daemon's role reads it and updates tasks, and can no longer write the
-- catalogue or create or delete tasks by itself.
REVOKE INSERT, UPDATE, DELETE ON agencies, provinces, localities, documents, sections, measures,
    measure_agencies, measure_provinces, measure_localities FROM policytrack_app;
REVOKE INSERT, DELETE ON tasks FROM policytrack_app;
REVOKE ALL ON document_versions FROM policytrack_app;
GRANT SELECT ON document_versions TO policytrack_app;

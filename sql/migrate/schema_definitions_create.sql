-- The record of applied repeatable definitions (sql/definitions), made on the first run.
-- not explainable: CREATE TABLE is a utility statement
CREATE TABLE IF NOT EXISTS schema_definitions (
    name            text PRIMARY KEY,
    checksum        text NOT NULL,
    applied_at      timestamptz NOT NULL DEFAULT now()
)

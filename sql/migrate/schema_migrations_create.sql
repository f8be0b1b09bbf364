-- The record of applied migrations, made on the first run.
-- not explainable: CREATE TABLE is a utility statement
CREATE TABLE IF NOT EXISTS schema_migrations (
    version         integer PRIMARY KEY,
    name            text NOT NULL,
    checksum        text NOT NULL,
    applied_at      timestamptz NOT NULL DEFAULT now()
)

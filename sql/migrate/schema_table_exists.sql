-- Whether a bookkeeping table exists yet (`policytrack migrate --status` on a fresh database).
-- $1 name text: schema_migrations or schema_definitions
SELECT to_regclass($1) IS NOT NULL

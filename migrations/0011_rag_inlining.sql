-- task_rag_at() compares a timestamptz with a date, which depends on the
-- session's TimeZone: the function is STABLE, not IMMUTABLE. Declared
-- IMMUTABLE, PostgreSQL refused to inline it (its body is more volatile than
-- its label), so every dashboard and task page called it as a function, three
-- times per task; at 20,000 tasks that was most of a dashboard's time.
ALTER FUNCTION task_rag_at(text, integer, date, timestamptz, date) STABLE;

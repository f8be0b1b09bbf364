-- Search by substring over the measures' text, Chinese and English
-- (GET /api/v1/measures?q=, GET /api/v1/tasks?q=): trigram indexes make a
-- LIKE '%…%' an index scan once the pattern has three characters. pg_trgm is
-- a trusted extension: the database's owner, who runs migrate, may create it
-- (it ships with PostgreSQL; on a server of your own it must be installed).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX measures_text_zh_trgm ON measures USING gin (text_zh gin_trgm_ops);
CREATE INDEX measures_text_en_trgm ON measures USING gin (text_en gin_trgm_ops);

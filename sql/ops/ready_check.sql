-- Readiness in one round trip (GET /readyz): the latest migration the database records, and the roles it knows, for comparison with this build's.
-- returns: the latest migration's version and checksum, and the roles' names joined by ',' in their order; no row when no migration is applied
SELECT m.version, m.checksum,
       (SELECT coalesce(string_agg(name, ',' ORDER BY sort_order), '') FROM roles) AS roles
FROM (SELECT version, checksum
      FROM schema_migrations
      ORDER BY version DESC
      LIMIT 1) m

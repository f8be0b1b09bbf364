-- Makes concurrent `policytrack migrate` runs queue: the second finds nothing left to do.
-- $1 key bigint: the lock's number, which nothing else in the database uses
SELECT pg_advisory_lock($1)

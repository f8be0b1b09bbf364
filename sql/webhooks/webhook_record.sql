-- The outcome of one delivery attempt (policytrackd's outbox).
-- $1 id bigint
-- $2 attempt int: the attempt's number, as claimed
-- $3 ok boolean
-- $4 status int: the target's HTTP status, or NULL
-- $5 error text: why it failed, or NULL
-- $6 max_attempts int: park after this many
-- $7 base_ms int: the first retry's delay, doubling after
-- returns: the delivery's state now, or NULL when the attempt was stale
SELECT webhook_record($1::bigint, $2::int, $3::boolean, $4::int, $5, $6::int, $7::int)

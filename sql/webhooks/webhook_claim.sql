-- The sender's claim of due deliveries, leased while it sends (policytrackd's outbox).
-- $1 limit int: at most this many
-- $2 lease_ms int: how long other daemons leave them alone
-- returns: per delivery: id, delivery_id, attempt, url, format, secret, dingtalk_secret, event_type, body
SELECT id, delivery_id, attempt, url, format, secret, dingtalk_secret, event_type, body
FROM webhook_claim($1::int, $2::int)

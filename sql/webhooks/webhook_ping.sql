-- Enqueues a test message to a webhook endpoint (POST /api/v1/webhooks/{id}/ping).
-- $1 caller_user_id bigint
-- $2 id text: the path segment as given; one that is not a number names no endpoint
-- returns: outcome, reason, field, detail (lib/api/refusal.h); the delivery's JSON
SELECT r.outcome,
       r.reason,
       r.field,
       CASE WHEN r.reason = 'not_found' THEN refusal_not_found('webhook', $2) ELSE r.detail END,
       r.body
FROM webhook_ping(CASE WHEN $2 ~ '^[0-9]{1,18}$' THEN $2::bigint END, $1::bigint) r

-- Sends a delivery again (POST /api/v1/webhooks/{id}/deliveries/{delivery}/replay).
-- $1 id text: the endpoint's path segment as given
-- $2 delivery text: the delivery's path segment as given
-- returns: outcome, reason, field, detail (lib/api/refusal.h); the delivery's JSON
SELECT r.outcome,
       r.reason,
       r.field,
       CASE WHEN r.reason = 'not_found' THEN refusal_not_found('delivery', $1 || '/' || $2) ELSE r.detail END,
       r.body
FROM webhook_replay(CASE WHEN $1 ~ '^[0-9]{1,18}$' THEN $1::bigint END,
                    CASE WHEN $2 ~ '^[0-9]{1,18}$' THEN $2::bigint END) r

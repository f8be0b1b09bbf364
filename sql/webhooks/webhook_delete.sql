-- Removes a webhook endpoint and its delivery log (DELETE /api/v1/webhooks/{id}).
-- $1 id text: the path segment as given; one that is not a number names no endpoint
-- returns: outcome, reason, field, detail (lib/api/refusal.h)
SELECT r.outcome,
       r.reason,
       r.field,
       CASE WHEN r.reason = 'not_found' THEN refusal_not_found('webhook', $1) ELSE r.detail END
FROM webhook_delete(CASE WHEN $1 ~ '^[0-9]{1,18}$' THEN $1::bigint END) r

-- Changes a webhook endpoint (PATCH /api/v1/webhooks/{id}); NULL leaves a field as it is.
-- $1 id text: the path segment as given; one that is not a number names no endpoint
-- $2 name text
-- $3 url text
-- $4 format text
-- $5 events jsonb
-- $6 has_agency boolean: whether agency was given (it may be null)
-- $7 agency text
-- $8 has_province boolean
-- $9 province text
-- $10 has_dingtalk_secret boolean
-- $11 dingtalk_secret text
-- $12 enabled boolean
-- $13 secret text: a new signing secret (rotate_secret), or NULL
-- returns: outcome, reason, field, detail (lib/api/refusal.h); the endpoint's JSON
SELECT r.outcome,
       r.reason,
       r.field,
       CASE WHEN r.reason = 'not_found' THEN refusal_not_found('webhook', $1) ELSE r.detail END,
       r.body
FROM webhook_update(CASE WHEN $1 ~ '^[0-9]{1,18}$' THEN $1::bigint END, $2, $3, $4, $5::jsonb,
                    $6::boolean, $7, $8::boolean, $9, $10::boolean, $11, $12::boolean, $13) r

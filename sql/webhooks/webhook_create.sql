-- Registers a webhook endpoint (POST /api/v1/webhooks); the rules are
-- webhook_create()'s (sql/definitions/70_webhooks.sql).
-- $1 caller_user_id bigint
-- $2 name text
-- $3 url text
-- $4 format text: json, dingtalk or wecom
-- $5 events jsonb: an array of event types or prefixes
-- $6 agency text: the scope's agency code, or NULL
-- $7 province text: the scope's province code, or NULL
-- $8 secret text: the signing secret the daemon made
-- $9 dingtalk_secret text: a DingTalk robot's signing secret, or NULL
-- $10 enabled boolean
-- returns: outcome, reason, field, detail (lib/api/refusal.h); the endpoint's JSON
SELECT outcome, reason, field, detail, body
FROM webhook_create($1::bigint, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10::boolean)

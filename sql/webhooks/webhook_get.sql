-- One webhook endpoint (GET /api/v1/webhooks/{id}): never its secrets.
-- $1 id text: the path segment as given; one that is not a number names no endpoint
-- returns: the endpoint's JSON; no row when there is none
SELECT webhook_json(w)::text
FROM webhooks w
WHERE w.id = CASE WHEN $1 ~ '^[0-9]{1,18}$' THEN $1::bigint END

-- A work item's receipt: receive or send back (POST /api/v1/work-items/{id}/receive,
-- /send-back); the rules are work_item_supervise()'s (sql/definitions/70_supervision.sql).
-- $1 caller_role text
-- $2 caller_agency text
-- $3 caller_province text
-- $4 caller_user_id bigint
-- $5 id text: the path segment as given; one that is not a number names no work item
-- $6 action text: receive or send_back
-- $7 fields jsonb: reason, as sent
-- returns: outcome, reason, field, detail (lib/api/refusal.h); the item's
--   version when ok (the daemon then answers with work_item_get, as for a task)
SELECT r.outcome,
       r.reason,
       r.field,
       CASE WHEN r.reason = 'not_found' THEN refusal_not_found('work item', $5) ELSE r.detail END,
       CASE WHEN r.outcome = 'ok' THEN (r.item).version END
FROM work_item_supervise(CASE WHEN $5 ~ '^[0-9]{1,18}$' THEN $5::bigint END,
                         $4::bigint, $1, $2, $3, $6, $7::jsonb) r

-- Removes a work item on which no work was reported (DELETE
-- /api/v1/work-items/{id}); the rules are work_item_remove()'s
-- (sql/definitions/24_work_items.sql).
-- $1 caller_role text
-- $2 caller_user_id bigint
-- $3 id text: the path segment as given; one that is not a number names no item
-- $4 if_match_version int: the version If-Match names
-- returns: outcome, reason, field, detail (lib/api/refusal.h); the item's
--   version when stale
SELECT r.outcome,
       r.reason,
       r.field,
       CASE WHEN r.reason = 'not_found' THEN refusal_not_found('work item', $3) ELSE r.detail END,
       CASE WHEN r.reason = 'stale' THEN r.current_version END
FROM work_item_remove(CASE WHEN $3 ~ '^[0-9]{1,18}$' THEN $3::bigint END,
                      $2::bigint, $1, $4::int) r

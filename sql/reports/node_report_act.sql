-- Approves or returns a node report (POST /api/v1/node-reports/{id}/approve,
-- /return); the rules are node_report_act()'s (sql/definitions/62_org_nodes.sql).
-- $1 caller_user_id bigint
-- $2 id text: the path segment as given; one that is not a number names no report
-- $3 action text: approve or return
-- $4 comment text
-- returns: outcome, reason, field, detail (lib/api/refusal.h); the node report's JSON when ok
SELECT r.outcome, r.reason, r.field,
       CASE WHEN r.reason = 'not_found' THEN refusal_not_found('node report', $2) ELSE r.detail END,
       r.body
FROM node_report_act($1::bigint, CASE WHEN $2 ~ '^[0-9]{1,18}$' THEN $2::bigint END, $3, $4) r

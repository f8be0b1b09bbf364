-- Files the report of the caller's node for a period
-- (POST /api/v1/provinces/{code}/node-reports/{period}); the rules are
-- node_report_file()'s (sql/definitions/62_org_nodes.sql).
-- $1 caller_user_id bigint
-- $2 province text: the path's
-- $3 period text: the path's
-- $4 summary text
-- returns: outcome, reason, field, detail (lib/api/refusal.h); the node report's JSON when ok
SELECT r.outcome, r.reason, r.field, r.detail, r.body
FROM node_report_file($1::bigint, $2, $3, $4) r

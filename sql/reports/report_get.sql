-- One report, when the caller may see it (GET /api/v1/reports/{id}).
-- $1 caller_role text
-- $2 caller_province text
-- $3 id text: the path segment as given; one that is not a number finds nothing
-- returns: the report's JSON, or NULL
SELECT report_json(CASE WHEN $3 ~ '^[0-9]{1,18}$' THEN $3::bigint END, $1, $2)::text

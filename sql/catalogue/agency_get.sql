-- One agency (GET /api/v1/agencies/{code}).
-- $1 code text
-- returns: the agency's JSON; no row when there is none
SELECT {{agency_json}}::text
FROM agencies a
WHERE a.code = $1

-- Whether the caller ($1 caller_role, $2 caller_agency, $3 caller_province) may
-- change task `t`: coordinators any, agency officers their agency's (in their
-- province, when bound to one). The rule task_update() enforces, here to tell
-- clients what they may do.
($1::text = 'coordinator'
 OR ($1::text = 'agency' AND t.agency_code = $2::text
     AND ($3::text IS NULL OR t.province_code = $3::text)))

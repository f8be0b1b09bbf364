-- Every user, for `policytrack user list`.
-- returns: username, role, agency or '-', province or '-', 'active' or 'disabled', display name
SELECT username, role, coalesce(agency_code, '-'), coalesce(province_code, '-'),
       CASE WHEN disabled THEN 'disabled' ELSE 'active' END,
       display_name
FROM users
ORDER BY username

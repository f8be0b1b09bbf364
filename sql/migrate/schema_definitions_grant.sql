-- Lets the daemon's role read schema_definitions.
-- not explainable: GRANT is a utility statement
GRANT SELECT ON schema_definitions TO policytrack_app

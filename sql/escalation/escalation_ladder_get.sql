-- The escalation ladder (GET /api/v1/escalation-ladder): its levels in order.
-- returns: the ladder's JSON
SELECT escalation_ladder_json()::text

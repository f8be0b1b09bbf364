-- Replaces the escalation ladder (PUT /api/v1/escalation-ladder) through escalation_ladder_put().
-- $1 actor bigint: the caller's user id
-- $2 role text: the caller's role (coordinator or admin)
-- $3 levels jsonb: the body's levels, checked by the function
-- returns: outcome, reason, field, detail, errors (field -> message), the new ladder's JSON
SELECT outcome,
       reason,
       field,
       detail,
       errors::text,
       ladder::text
FROM escalation_ladder_put($1, $2, $3)

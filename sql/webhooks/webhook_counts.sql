-- The outbox's depth for /metrics (policytrackd samples it as it polls).
-- returns: deliveries pending; deliveries parked
SELECT (SELECT count(*) FROM webhook_deliveries WHERE state = 'pending'),
       (SELECT count(*) FROM webhook_deliveries WHERE state = 'parked')

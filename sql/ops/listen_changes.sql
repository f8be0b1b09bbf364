-- Subscribes the change feed's connection to the caches' notifications (migration 0010).
-- not explainable: LISTEN is a utility statement
LISTEN policytrack_change

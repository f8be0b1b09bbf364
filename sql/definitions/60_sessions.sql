-- Sign-in and sign-out: the writes behind POST and DELETE /api/v1/sessions.
-- login_begin is copied unchanged from migration 0004, where it was defined.

-- Begins a sign-in: under a per-username lock, counts the recent failures and,
-- when under the limit, records this attempt as a failure straight away (it is
-- flipped to success if the password verifies). Counting before verifying is
-- what keeps parallel guesses from all slipping under the limit.
CREATE OR REPLACE FUNCTION login_begin(p_username text, p_max_failures integer, p_window interval)
RETURNS TABLE (user_id bigint, password_hash text, disabled boolean, attempt_id bigint,
               retry_after integer)
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
    oldest timestamptz;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('login:' || p_username, 0));
    SELECT count(*), min(at) INTO n, oldest FROM (
        SELECT at FROM login_attempts
        WHERE username = p_username AND NOT succeeded AND at > now() - p_window
        ORDER BY at DESC LIMIT p_max_failures) recent;
    IF n >= p_max_failures THEN
        RETURN QUERY SELECT NULL::bigint, NULL::text, NULL::boolean, NULL::bigint,
            greatest(1, ceil(extract(epoch FROM oldest + p_window - now()))::integer);
        RETURN;
    END IF;
    RETURN QUERY
    WITH a AS (INSERT INTO login_attempts (username, succeeded) VALUES (p_username, false)
               RETURNING id)
    SELECT u.id, u.password_hash, u.disabled, a.id, NULL::integer
    FROM a LEFT JOIN users u ON u.username = p_username;
END
$$;

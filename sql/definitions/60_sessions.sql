-- Sign-in and sign-out: the writes behind POST and DELETE /api/v1/sessions.
-- Each answers (outcome, reason, field, detail, ...) as lib/api/refusal.h
-- describes; the reasons are keys of the table in lib/api/refusal.c.

-- Begins a sign-in: under a per-username lock, counts the recent failures and,
-- when under the limit, records this attempt as a failure straight away (it is
-- flipped to success if the password verifies). Counting before verifying is
-- what keeps parallel guesses from all slipping under the limit.
-- Refuses with too_many_attempts, retry_after saying when to try again.
-- (Defined in migration 0004 with only the payload columns.)
DROP FUNCTION IF EXISTS login_begin(text, integer, interval);
CREATE FUNCTION login_begin(p_username text, p_max_failures integer, p_window interval)
RETURNS TABLE (outcome text, reason text, field text, detail text,
               user_id bigint, password_hash text, disabled boolean, attempt_id bigint,
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
        outcome := 'refused';
        reason := 'too_many_attempts';
        retry_after := greatest(1, ceil(extract(epoch FROM oldest + p_window - now()))::integer);
        RETURN NEXT;
        RETURN;
    END IF;
    RETURN QUERY
    WITH a AS (INSERT INTO login_attempts (username, succeeded) VALUES (p_username, false)
               RETURNING id)
    SELECT 'ok'::text, NULL::text, NULL::text, NULL::text,
           u.id, u.password_hash, u.disabled, a.id, NULL::integer
    FROM a LEFT JOIN users u ON u.username = p_username;
END
$$;

-- Finishes a sign-in whose password verified against p_verified_hash: issues
-- the session token (its hash; the text goes to the client only), marks the
-- attempt a success and stores p_new_hash when the password was rehashed.
-- Only if the account is still as it was verified: else no token, no rehash,
-- and the refusal a wrong password gets (invalid_credentials).
CREATE OR REPLACE FUNCTION login_finish(p_user_id bigint, p_token_hash text, p_ttl_s integer,
                                        p_attempt_id bigint, p_new_hash text,
                                        p_verified_hash text)
RETURNS TABLE (outcome text, reason text, field text, detail text, body text)
LANGUAGE plpgsql AS $$
DECLARE
    u users;
    expires timestamptz;
BEGIN
    SELECT * INTO u FROM users x
    WHERE x.id = p_user_id AND x.password_hash = p_verified_hash AND NOT x.disabled
    FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'refused';
        reason := 'invalid_credentials';
        RETURN NEXT;
        RETURN;
    END IF;
    INSERT INTO tokens AS t (user_id, token_hash, kind, expires_at)
    VALUES (u.id, p_token_hash, 'session', now() + p_ttl_s * interval '1 second')
    RETURNING t.expires_at INTO expires;
    UPDATE login_attempts SET succeeded = true WHERE id = p_attempt_id;
    IF p_new_hash IS NOT NULL THEN
        UPDATE users SET password_hash = p_new_hash, updated_at = now() WHERE id = u.id;
    END IF;
    outcome := 'ok';
    body := json_build_object('token_type', 'Bearer', 'expires_at', expires,
                              'expires_in', p_ttl_s,
                              'user', json_build_object('username', u.username,
                                                        'display_name', u.display_name,
                                                        'role', u.role,
                                                        'agency', u.agency_code,
                                                        'province', u.province_code))::text;
    RETURN NEXT;
END
$$;

-- Signs out: revokes the token the request came with. Never refuses.
CREATE OR REPLACE FUNCTION session_close(p_token_id bigint)
RETURNS TABLE (outcome text, reason text, field text, detail text)
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tokens SET revoked_at = now() WHERE id = p_token_id AND revoked_at IS NULL;
    outcome := 'ok';
    RETURN NEXT;
END
$$;

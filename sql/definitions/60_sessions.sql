-- Sign-in and sign-out: the writes behind POST and DELETE /api/v1/sessions.
-- Each answers (outcome, reason, field, detail, ...) as lib/api/refusal.h
-- describes; the reasons are keys of the table in lib/api/refusal.c.

-- The address a sign-in is counted under: an IPv4 address as it is, an IPv6
-- one by its /64 (a subscriber's usual allocation, so one client cannot
-- step through 2^64 addresses of its own). NULL when unknown.
CREATE OR REPLACE FUNCTION login_client(p_address text) RETURNS inet
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN family(a) = 6 THEN network(set_masklen(a, 64))::inet ELSE a END
    FROM (SELECT p_address::inet AS a) x
$$;

-- Begins a sign-in: counts the recent failures and, when under every limit,
-- records this attempt as a failure straight away (it is flipped to success
-- if the password verifies). Counting before verifying, under locks on the
-- username and on the address, is what keeps parallel guesses from all
-- slipping under a limit. The limits, each over p_window:
--   p_max_pair     failures for this username from this address: a guesser
--                  locks the account at their own address, not everywhere;
--   p_max_client   failures from this address, whatever the usernames (one
--                  client spraying usernames);
--   p_max_account  failures for this username from all addresses (a guesser
--                  with many addresses).
-- The last two spare an address where this username signed in within
-- p_known: nobody can lock a user out of the place they work from.
-- The table is also the record of sign-ins, kept --log-retention-days (at
-- least 180: norm_log_retention()). Writing an attempt removes up to 100
-- failures and 100 successes older than that (and than p_window, p_known),
-- so the table stays bounded: rows come only from attempts that were not
-- refused, each paid for by a password hash.
-- Refuses with too_many_attempts, detail saying which limit, retry_after
-- when the oldest counted failure leaves the window.
-- (Defined in migration 0004 with only the payload columns.)
DROP FUNCTION IF EXISTS login_begin(text, integer, interval);
DROP FUNCTION IF EXISTS login_begin(text, text, integer, integer, integer, interval, interval);
CREATE FUNCTION login_begin(p_username text, p_client text, p_max_pair integer,
                            p_max_client integer, p_max_account integer, p_window interval,
                            p_known interval)
RETURNS TABLE (outcome text, reason text, field text, detail text,
               user_id bigint, password_hash text, disabled boolean, attempt_id bigint,
               retry_after integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c inet := login_client(p_client);
    known boolean;
    n integer;
    oldest timestamptz;
BEGIN
    -- Always the username's lock first, then the address's: never a cycle.
    PERFORM pg_advisory_xact_lock(hashtextextended('login:' || p_username, 0));
    PERFORM pg_advisory_xact_lock(hashtextextended('login-client:' || coalesce(host(c), ''), 0));

    SELECT count(*), min(at) INTO n, oldest FROM (
        SELECT at FROM login_attempts
        WHERE username = p_username AND client IS NOT DISTINCT FROM c AND NOT succeeded
          AND at > now() - p_window
        ORDER BY at DESC LIMIT p_max_pair) recent;
    IF n >= p_max_pair THEN
        detail := 'too many failed sign-ins for this username from this address; wait and retry';
    ELSE
        SELECT EXISTS (SELECT 1 FROM login_attempts
                       WHERE username = p_username AND client = c AND succeeded
                         AND at > now() - p_known) INTO known;
        IF NOT known THEN
            SELECT count(*), min(at) INTO n, oldest FROM (
                SELECT at FROM login_attempts
                WHERE client IS NOT DISTINCT FROM c AND NOT succeeded AND at > now() - p_window
                ORDER BY at DESC LIMIT p_max_client) recent;
            IF n >= p_max_client THEN
                detail := 'too many failed sign-ins from this address; wait and retry';
            ELSE
                SELECT count(*), min(at) INTO n, oldest FROM (
                    SELECT at FROM login_attempts
                    WHERE username = p_username AND NOT succeeded AND at > now() - p_window
                    ORDER BY at DESC LIMIT p_max_account) recent;
                IF n >= p_max_account THEN
                    detail := 'too many failed sign-ins for this username from many '
                              'addresses; it can still sign in from an address it used '
                              'before; otherwise wait and retry';
                END IF;
            END IF;
        END IF;
    END IF;
    IF detail IS NOT NULL THEN
        outcome := 'refused';
        reason := 'too_many_attempts';
        retry_after := greatest(1, ceil(extract(epoch FROM oldest + p_window - now()))::integer);
        RETURN NEXT;
        RETURN;
    END IF;

    DELETE FROM login_attempts WHERE id IN (
        SELECT id FROM login_attempts
        WHERE NOT succeeded AND at < now() - greatest(p_window, norm_log_retention())
        ORDER BY at LIMIT 100 FOR UPDATE SKIP LOCKED);
    DELETE FROM login_attempts WHERE id IN (
        SELECT id FROM login_attempts
        WHERE succeeded AND at < now() - greatest(p_known, norm_log_retention())
        ORDER BY at LIMIT 100 FOR UPDATE SKIP LOCKED);
    RETURN QUERY
    WITH a AS (INSERT INTO login_attempts (username, succeeded, client)
               VALUES (p_username, false, c)
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
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    u users;
    expires timestamptz;
    max_age integer;
    password_expires timestamptz;
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
        -- The same password with today's parameters: not a new password to
        -- the history and age trigger of migration 0025.
        PERFORM set_config('policytrack.rehashing', 'on', true);
        UPDATE users SET password_hash = p_new_hash, updated_at = now() WHERE id = u.id;
        PERFORM set_config('policytrack.rehashing', 'off', true);
    END IF;
    max_age := norm_setting('password_max_age_days', 90);
    IF max_age > 0 THEN
        password_expires := u.password_changed_at + max_age * interval '1 day';
    END IF;
    outcome := 'ok';
    body := json_build_object('token_type', 'Bearer', 'expires_at', expires,
                              'expires_in', p_ttl_s,
                              'user', json_build_object('username', u.username,
                                                        'display_name', u.display_name,
                                                        'role', u.role,
                                                        'agency', u.agency_code,
                                                        'province', u.province_code),
                              -- An expired password signs in only to be changed.
                              'password_expires_at', password_expires,
                              'password_expired', coalesce(password_expires <= now(), false),
                              'idle_timeout_s', norm_setting('session_idle_s', 1800))::text;
    RETURN NEXT;
END
$$;

-- Signs out: revokes the token the request came with. Never refuses.
CREATE OR REPLACE FUNCTION session_close(p_token_id bigint)
RETURNS TABLE (outcome text, reason text, field text, detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE tokens SET revoked_at = now() WHERE id = p_token_id AND revoked_at IS NULL;
    outcome := 'ok';
    RETURN NEXT;
END
$$;

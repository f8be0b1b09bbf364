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

-- The throttle's limits, over p_window (docs/security.md):
--   max_pair     failures for this username from this address: a guesser
--                locks the account at their own address, not everywhere;
--   max_client   failures from this address, whatever the usernames (one
--                client spraying usernames);
--   max_account  failures for this username from all addresses (a guesser
--                with many addresses).
-- The client and account limits spare an address where this username signed
-- in within known: nobody can lock a user out of the place they work from.
DROP FUNCTION IF EXISTS login_limits();
CREATE OR REPLACE FUNCTION login_limits(OUT max_pair integer, OUT max_client integer,
                                        OUT max_account integer, OUT win interval,
                                        OUT known interval)
LANGUAGE sql IMMUTABLE AS $$
    SELECT 5, 20, 50, interval '15 minutes', interval '30 days'
$$;

-- Whether p_username from address c is at a limit, counting the failures:
-- attempts whose check failed, and those pending for over a minute (their
-- check never finished); with p_pending, the attempts being checked too (as
-- if each failed); never p_exclude, the attempt being decided. Returns the
-- detail saying which limit and the seconds until the oldest failure
-- counted leaves the window, or no row.
DROP FUNCTION IF EXISTS login_over_limit(text, inet, bigint);
CREATE OR REPLACE FUNCTION login_over_limit(p_username text, c inet, p_exclude bigint,
                                            p_pending boolean)
RETURNS TABLE (detail text, retry_after integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    l record;
    n integer;
    oldest timestamptz;
BEGIN
    SELECT * INTO l FROM login_limits();
    SELECT count(*), min(at) INTO n, oldest FROM (
        SELECT at FROM login_attempts
        WHERE username = p_username AND client IS NOT DISTINCT FROM c AND NOT succeeded
          AND (p_pending OR NOT pending OR at < now() - interval '1 minute')
          AND at > now() - l.win AND id IS DISTINCT FROM p_exclude
        ORDER BY at DESC LIMIT l.max_pair) recent;
    IF n >= l.max_pair THEN
        detail := 'too many failed sign-ins for this username from this address; wait and retry';
    ELSIF NOT EXISTS (SELECT 1 FROM login_attempts
                      WHERE username = p_username AND client = c AND succeeded
                        AND at > now() - l.known) THEN
        SELECT count(*), min(at) INTO n, oldest FROM (
            SELECT at FROM login_attempts
            WHERE client IS NOT DISTINCT FROM c AND NOT succeeded
              AND (p_pending OR NOT pending OR at < now() - interval '1 minute')
              AND at > now() - l.win AND id IS DISTINCT FROM p_exclude
            ORDER BY at DESC LIMIT l.max_client) recent;
        IF n >= l.max_client THEN
            detail := 'too many failed sign-ins from this address; wait and retry';
        ELSE
            SELECT count(*), min(at) INTO n, oldest FROM (
                SELECT at FROM login_attempts
                WHERE username = p_username AND NOT succeeded
                  AND (p_pending OR NOT pending OR at < now() - interval '1 minute')
                  AND at > now() - l.win AND id IS DISTINCT FROM p_exclude
                ORDER BY at DESC LIMIT l.max_account) recent;
            IF n >= l.max_account THEN
                detail := 'too many failed sign-ins for this username from many '
                          'addresses; it can still sign in from an address it used '
                          'before; otherwise wait and retry';
            END IF;
        END IF;
    END IF;
    IF detail IS NOT NULL THEN
        retry_after := greatest(1, ceil(extract(epoch FROM oldest + l.win - now()))::integer);
        RETURN NEXT;
    END IF;
END
$$;

-- Begins a sign-in: when under every limit (login_over_limit()), records
-- this attempt as pending: a failure only once its password fails
-- (login_fail()), a success once it verifies (login_finish()). Refuses with
-- too_many_attempts (detail saying which limit, retry_after when the oldest
-- failure counted leaves the window) when the failures reach a limit; with
-- sign_in_busy (retry_after 1) when they would if every attempt being
-- checked failed. The daemon asks again shortly on sign_in_busy, so correct
-- sign-ins in parallel (a service account's jobs, a retrying client) wait
-- for each other's checks instead of locking each other out, while parallel
-- guesses never have more checks under way than the limit has left: once
-- its failures are recorded, the rest are refused without a hash. Takes a
-- lock on the username, then on the address (always that order: never a
-- cycle). The table is also the record of sign-ins, kept
-- --log-retention-days (at least 180: norm_log_retention()). Writing an
-- attempt removes up to 100 failures and 100 successes older than that (and
-- than the window, known), so the table stays bounded: rows come only from
-- attempts that were not refused, each paid for by a password hash.
-- (Defined in migration 0004 with only the payload columns.)
DROP FUNCTION IF EXISTS login_begin(text, integer, interval);
DROP FUNCTION IF EXISTS login_begin(text, text, integer, integer, integer, interval, interval);
CREATE OR REPLACE FUNCTION login_begin(p_username text, p_client text)
RETURNS TABLE (outcome text, reason text, field text, detail text,
               user_id bigint, password_hash text, disabled boolean, attempt_id bigint,
               retry_after integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    c inet := login_client(p_client);
    l record;
    o record;
BEGIN
    SELECT * INTO l FROM login_limits();
    PERFORM pg_advisory_xact_lock(hashtextextended('login:' || p_username, 0));
    PERFORM pg_advisory_xact_lock(hashtextextended('login-client:' || coalesce(host(c), ''), 0));

    SELECT * INTO o FROM login_over_limit(p_username, c, NULL, false);
    IF FOUND THEN
        outcome := 'refused';
        reason := 'too_many_attempts';
        detail := o.detail;
        retry_after := o.retry_after;
        RETURN NEXT;
        RETURN;
    END IF;
    PERFORM FROM login_over_limit(p_username, c, NULL, true);
    IF FOUND THEN
        outcome := 'refused';
        reason := 'sign_in_busy';
        retry_after := 1;
        RETURN NEXT;
        RETURN;
    END IF;

    DELETE FROM login_attempts WHERE id IN (
        SELECT id FROM login_attempts
        WHERE NOT succeeded AND at < now() - greatest(l.win, norm_log_retention())
        ORDER BY at LIMIT 100 FOR UPDATE SKIP LOCKED);
    DELETE FROM login_attempts WHERE id IN (
        SELECT id FROM login_attempts
        WHERE succeeded AND at < now() - greatest(l.known, norm_log_retention())
        ORDER BY at LIMIT 100 FOR UPDATE SKIP LOCKED);
    RETURN QUERY
    WITH a AS (INSERT INTO login_attempts (username, succeeded, client, pending)
               VALUES (p_username, false, c, true)
               RETURNING id)
    SELECT 'ok'::text, NULL::text, NULL::text, NULL::text,
           u.id, u.password_hash, u.disabled, a.id, NULL::integer
    FROM a LEFT JOIN users u ON u.username = p_username;
END
$$;

-- Decides an attempt whose check is done: it stops being pending and, unless
-- p_succeeded, is a failure. Refused (too_many_attempts, with retry_after)
-- when the limits were met while it was checked, whatever the password.
-- Locks as login_begin() does. Answers ok, or the refusal.
CREATE OR REPLACE FUNCTION login_decide(p_attempt_id bigint, p_succeeded boolean)
RETURNS TABLE (outcome text, reason text, field text, detail text, retry_after integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    a login_attempts;
    o record;
BEGIN
    SELECT * INTO a FROM login_attempts WHERE id = p_attempt_id;
    IF FOUND THEN
        PERFORM pg_advisory_xact_lock(hashtextextended('login:' || a.username, 0));
        PERFORM pg_advisory_xact_lock(hashtextextended('login-client:' || coalesce(host(a.client), ''), 0));
        SELECT * INTO o FROM login_over_limit(a.username, a.client, a.id, false);
        IF FOUND THEN
            UPDATE login_attempts SET pending = false WHERE id = a.id;
            outcome := 'refused';
            reason := 'too_many_attempts';
            detail := o.detail;
            retry_after := o.retry_after;
            RETURN NEXT;
            RETURN;
        END IF;
        UPDATE login_attempts SET pending = false, succeeded = p_succeeded WHERE id = a.id;
    END IF;
    outcome := 'ok';
    RETURN NEXT;
END
$$;

-- A sign-in whose password did not verify (or an unknown or disabled user):
-- the attempt becomes a failure. Refused with invalid_credentials, or with
-- too_many_attempts when the limits were met while it was checked (so the
-- answer tells a guesser nothing once the limit is reached).
CREATE OR REPLACE FUNCTION login_fail(p_attempt_id bigint)
RETURNS TABLE (outcome text, reason text, field text, detail text, retry_after integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN QUERY
    SELECT 'refused'::text, coalesce(d.reason, 'invalid_credentials'), NULL::text, d.detail,
           d.retry_after
    FROM login_decide(p_attempt_id, false) d;
END
$$;

-- Finishes a sign-in whose password verified against p_verified_hash: issues
-- the session token (its hash; the text goes to the client only), marks the
-- attempt a success and stores p_new_hash when the password was rehashed.
-- Only if the limits were not met while it was checked (else
-- too_many_attempts, as login_fail() answers then), and the account is still
-- as it was verified (else no token, no rehash, and the refusal a wrong
-- password gets: invalid_credentials).
DROP FUNCTION IF EXISTS login_finish(bigint, text, integer, bigint, text, text);
CREATE FUNCTION login_finish(p_user_id bigint, p_token_hash text, p_ttl_s integer,
                             p_attempt_id bigint, p_new_hash text, p_verified_hash text)
RETURNS TABLE (outcome text, reason text, field text, detail text, body text,
               retry_after integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    u users;
    d record;
    expires timestamptz;
    max_age integer;
    password_expires timestamptz;
BEGIN
    SELECT * INTO u FROM users x
    WHERE x.id = p_user_id AND x.password_hash = p_verified_hash AND NOT x.disabled
    FOR UPDATE;
    SELECT * INTO d FROM login_decide(p_attempt_id, u.id IS NOT NULL);
    IF d.outcome = 'refused' OR u.id IS NULL THEN
        outcome := 'refused';
        reason := coalesce(d.reason, 'invalid_credentials');
        detail := d.detail;
        retry_after := d.retry_after;
        RETURN NEXT;
        RETURN;
    END IF;
    INSERT INTO tokens AS t (user_id, token_hash, kind, expires_at)
    VALUES (u.id, p_token_hash, 'session', now() + p_ttl_s * interval '1 second')
    RETURNING t.expires_at INTO expires;
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

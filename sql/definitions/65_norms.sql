-- The deployment norms (GB/T 22239-2019 level 3; docs/security.md,
-- "Deployment norms") as SQL applies them. The daemon gives every pool
-- connection its settings as policytrack.* parameters (-c options, like its
-- TimeZone); the CLI sets them from the same POLICYTRACK_* variables. A
-- session without them gets the defaults, and the floors below hold whatever
-- a session says.

-- A whole-number setting policytrack.NAME, or p_default when unset.
CREATE OR REPLACE FUNCTION norm_setting(p_name text, p_default integer) RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('policytrack.' || p_name, true), '')::integer,
                    p_default)
$$;

-- How long sign-in records are kept: --log-retention-days, never under six
-- months (网络安全法 §21 asks network logs be kept at least six months).
CREATE OR REPLACE FUNCTION norm_log_retention() RETURNS interval
LANGUAGE sql STABLE AS $$
    SELECT greatest(norm_setting('log_retention_days', 180), 180) * interval '1 day'
$$;

-- The 密级 in their order; NULL for what is not one.
CREATE OR REPLACE FUNCTION classification_rank(p_level text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT array_position(ARRAY['public', 'internal', 'secret', 'confidential', 'top_secret'],
                          p_level)
$$;

CREATE OR REPLACE FUNCTION classification_label(p_level text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_level WHEN 'public' THEN '公开' WHEN 'internal' THEN '内部'
                        WHEN 'secret' THEN '秘密' WHEN 'confidential' THEN '机密'
                        WHEN 'top_secret' THEN '绝密' END
$$;

-- The highest level this deployment is declared for (--classification-max):
-- public or internal, never a classified level, whatever the session says.
CREATE OR REPLACE FUNCTION classification_declared() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN current_setting('policytrack.classification_max', true) = 'public'
                THEN 'public' ELSE 'internal' END
$$;

-- The caller behind a presented token (every authenticated request), with
-- the session norms applied:
--   a session token unused for policytrack.session_idle_s seconds is revoked
--   and answered with state 'idle' (the daemon answers 401 saying so); one in
--   use is touched, at most every twentieth of the idle time (and at least
--   every 15 s), so a request costs a write only now and then;
--   a session whose user's password is older than
--   policytrack.password_max_age_days has state 'password_expired': the
--   daemon lets it change the password and little else.
-- Automation tokens neither idle out nor follow the password's age: an
-- admin issues them for a script, with their own expiry.
-- No row: the token is unknown, expired or revoked, or its user disabled.
CREATE OR REPLACE FUNCTION token_caller_check(p_token_hash text)
RETURNS TABLE (user_id bigint, username text, display_name text, role text,
               agency_code text, province_code text, token_id bigint, token_kind text,
               token_expires_at text, left_s bigint, state text, password_expires_at text,
               idle_s integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    t tokens;
    u users;
    idle integer := norm_setting('session_idle_s', 1800);
    max_age integer := norm_setting('password_max_age_days', 90);
    used timestamptz;
    expires timestamptz;
BEGIN
    SELECT * INTO t FROM tokens x
    WHERE x.token_hash = p_token_hash AND x.revoked_at IS NULL AND x.expires_at > now();
    IF NOT FOUND THEN
        RETURN;
    END IF;
    SELECT * INTO u FROM users x WHERE x.id = t.user_id AND NOT x.disabled;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    user_id := u.id;
    username := u.username;
    display_name := u.display_name;
    role := u.role;
    agency_code := u.agency_code;
    province_code := u.province_code;
    token_id := t.id;
    token_kind := t.kind;
    token_expires_at := to_json(t.expires_at) #>> '{}';
    left_s := floor(extract(epoch FROM t.expires_at - now()))::bigint;
    idle_s := CASE WHEN t.kind = 'session' THEN idle ELSE 0 END;
    state := 'ok';
    used := coalesce(t.last_used_at, t.created_at);
    IF t.kind = 'session' AND idle > 0 THEN
        IF used < now() - idle * interval '1 second' THEN
            UPDATE tokens SET revoked_at = now() WHERE id = t.id AND revoked_at IS NULL;
            state := 'idle';
            RETURN NEXT;
            RETURN;
        END IF;
        IF used < now() - least(idle * interval '50 milliseconds', interval '15 seconds') THEN
            UPDATE tokens SET last_used_at = now() WHERE id = t.id;
        END IF;
    END IF;
    IF max_age > 0 THEN
        expires := u.password_changed_at + max_age * interval '1 day';
        password_expires_at := to_json(expires) #>> '{}';
        IF t.kind = 'session' AND expires <= now() THEN
            state := 'password_expired';
        END IF;
    END IF;
    RETURN NEXT;
END
$$;

-- The hashes a new password of p_user_id must not match: the current one and
-- the policytrack.password_history - 1 before it (none when the setting is 0).
CREATE OR REPLACE FUNCTION password_recent_hashes(p_user_id bigint)
RETURNS TABLE (password_hash text)
LANGUAGE sql STABLE AS $$
    (SELECT u.password_hash FROM users u
     WHERE u.id = p_user_id AND norm_setting('password_history', 5) > 0)
    UNION ALL
    (SELECT h.password_hash FROM password_history h
     WHERE h.user_id = p_user_id
     ORDER BY h.id DESC
     LIMIT greatest(norm_setting('password_history', 5) - 1, 0))
$$;

-- A signed-in user changes their own password (PUT /api/v1/me/password):
-- only if it is still the one the current password was verified against
-- (else wrong_password, as if the current password were wrong). The other
-- sessions and tokens of the user end; the one that made the change goes on.
-- The trigger of migration 0025 keeps the old hash in the history and
-- restarts the password's age.
CREATE OR REPLACE FUNCTION password_change(p_user_id bigint, p_token_id bigint,
                                           p_verified_hash text, p_new_hash text)
RETURNS TABLE (outcome text, reason text, field text, detail text, body text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    u users;
    revoked bigint;
    max_age integer := norm_setting('password_max_age_days', 90);
BEGIN
    UPDATE users x SET password_hash = p_new_hash, updated_at = now()
    WHERE x.id = p_user_id AND x.password_hash = p_verified_hash AND NOT x.disabled
    RETURNING x.* INTO u;
    IF NOT FOUND THEN
        outcome := 'refused';
        reason := 'wrong_password';
        field := 'current_password';
        RETURN NEXT;
        RETURN;
    END IF;
    UPDATE tokens t SET revoked_at = now()
    WHERE t.user_id = u.id AND t.revoked_at IS NULL AND t.id <> p_token_id;
    GET DIAGNOSTICS revoked = ROW_COUNT;
    outcome := 'ok';
    body := json_build_object(
        'password_changed_at', u.password_changed_at,
        'password_expires_at', CASE WHEN max_age > 0
                                    THEN u.password_changed_at + max_age * interval '1 day' END,
        'tokens_revoked', revoked)::text;
    RETURN NEXT;
END
$$;

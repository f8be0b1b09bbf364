-- Identity: users with a role and a scope, their bearer tokens (stored only as
-- SHA-256 hashes) and the login attempts that throttling counts.

CREATE TABLE users (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username        text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
    display_name    text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    role            text NOT NULL CHECK (role IN ('admin', 'coordinator', 'agency', 'province', 'observer')),
    agency_code     text REFERENCES agencies,
    province_code   text REFERENCES provinces,
    password_hash   text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    disabled        boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    -- An agency officer belongs to an agency, and optionally to the province
    -- of a provincial counterpart department; a provincial office to a
    -- province only; everyone else to neither.
    CONSTRAINT users_scope CHECK (
        CASE role
            WHEN 'agency' THEN agency_code IS NOT NULL
            WHEN 'province' THEN province_code IS NOT NULL AND agency_code IS NULL
            ELSE agency_code IS NULL AND province_code IS NULL
        END)
);

CREATE TABLE tokens (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users,
    token_hash      text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    kind            text NOT NULL CHECK (kind IN ('session', 'automation')),
    label           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz,
    CHECK (expires_at > created_at)
);

CREATE INDEX tokens_user ON tokens (user_id) WHERE revoked_at IS NULL;

-- Every login attempt, for throttling (failures per username in a window)
-- and for the record. Usernames are kept as typed, existing or not.
CREATE TABLE login_attempts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username        text NOT NULL,
    succeeded       boolean NOT NULL,
    at              timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX login_attempts_recent ON login_attempts (username, at) WHERE NOT succeeded;

-- Begins a sign-in: under a per-username lock, counts the recent failures and,
-- when under the limit, records this attempt as a failure straight away (it is
-- flipped to success if the password verifies). Counting before verifying is
-- what keeps parallel guesses from all slipping under the limit.
CREATE FUNCTION login_begin(p_username text, p_max_failures integer, p_window interval)
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

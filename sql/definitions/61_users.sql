-- User administration: the writes behind POST and PATCH /api/v1/users, the
-- tokens of POST /api/v1/users/{username}/tokens, and the CLI's `user add`,
-- `user disable` and `token issue`. Each answers (outcome, reason, field,
-- detail, ...) as lib/api/refusal.h describes.

-- A user as the API shows it: never its password hash or its tokens' hashes.
CREATE OR REPLACE FUNCTION user_json(u users) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('username', u.username, 'display_name', u.display_name,
                             'role', u.role, 'agency', u.agency_code,
                             'province', u.province_code,
                             'node', (SELECT n.code FROM org_nodes n WHERE n.id = u.org_node_id),
                             'disabled', u.disabled,
                             'created_at', u.created_at, 'updated_at', u.updated_at,
                             'active_tokens', (SELECT count(*) FROM tokens t
                                               WHERE t.user_id = u.id
                                                 AND t.revoked_at IS NULL
                                                 AND t.expires_at > now()))
$$;

-- The refusal for a users row the table's constraints turned down: the
-- constraint's name says which field it concerns (a foreign key to agencies or
-- provinces; the role with its scope, users_scope, otherwise).
CREATE OR REPLACE FUNCTION user_constraint_refusal(p_constraint text,
                                                   OUT outcome text, OUT reason text,
                                                   OUT field text, OUT detail text)
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'refused',
           CASE WHEN p_constraint LIKE '%agency%' THEN 'no_such_agency'
                WHEN p_constraint LIKE '%province%' THEN 'no_such_province'
                ELSE 'role_scope_mismatch' END,
           CASE WHEN p_constraint LIKE '%agency%' THEN 'agency'
                WHEN p_constraint LIKE '%province%' THEN 'province'
                ELSE 'role' END,
           NULL::text
$$;

-- Creates a user. The table's constraints are the rules (username format,
-- role and scope, existing agency and province); their violations come back
-- as refusals, in the order PostgreSQL checks them.
CREATE OR REPLACE FUNCTION user_create(p_username text, p_display_name text, p_role text,
                                       p_agency text, p_province text, p_password_hash text)
RETURNS TABLE (outcome text, reason text, field text, detail text, body text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    u users;
    violated text;
BEGIN
    INSERT INTO users (username, display_name, role, agency_code, province_code, password_hash)
    VALUES (p_username, p_display_name, p_role, p_agency, p_province, p_password_hash)
    RETURNING * INTO u;
    outcome := 'ok';
    body := user_json(u)::text;
    RETURN NEXT;
EXCEPTION
    WHEN unique_violation THEN
        outcome := 'refused';
        reason := 'username_taken';
        RETURN NEXT;
    WHEN foreign_key_violation OR check_violation THEN
        GET STACKED DIAGNOSTICS violated = CONSTRAINT_NAME;
        SELECT * INTO outcome, reason, field, detail FROM user_constraint_refusal(violated);
        RETURN NEXT;
END
$$;

-- Changes a user: NULL leaves a field as it is, except agency and province,
-- which change (to NULL too) when p_set_agency / p_set_province. A change of
-- who the user is or what they may do (disabled, role, scope, password)
-- revokes their tokens. The answer is the user as it is afterwards (its
-- active tokens counted after the revocation), and how many were revoked.
-- No change may leave the service without an enabled admin (last_admin):
-- nobody could then manage users but through the CLI on the database host.
CREATE OR REPLACE FUNCTION user_update(p_username text, p_display_name text, p_role text,
                                       p_set_agency boolean, p_agency text,
                                       p_set_province boolean, p_province text,
                                       p_disabled boolean, p_password_hash text)
RETURNS TABLE (outcome text, reason text, field text, detail text, body text,
               tokens_revoked bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    u users;
    shown jsonb;
    violated text;
BEGIN
    IF coalesce(p_disabled, false) OR p_role <> 'admin' THEN
        -- Changes that may take an admin away queue here, so that two admins
        -- disabling each other at once cannot both count the other as the one left.
        PERFORM pg_advisory_xact_lock(hashtextextended('users:admins', 0));
        IF EXISTS (SELECT 1 FROM users x
                   WHERE x.username = p_username AND x.role = 'admin' AND NOT x.disabled)
           AND NOT EXISTS (SELECT 1 FROM users x
                           WHERE x.username <> p_username AND x.role = 'admin'
                             AND NOT x.disabled) THEN
            outcome := 'refused';
            reason := 'last_admin';
            detail := format('''%s'' is the last enabled admin: make another user an admin '
                             'first, or nobody could manage users', left(p_username, 64));
            RETURN NEXT;
            RETURN;
        END IF;
    END IF;
    UPDATE users x SET
        display_name = coalesce(p_display_name, x.display_name),
        role = coalesce(p_role, x.role),
        agency_code = CASE WHEN p_set_agency THEN p_agency ELSE x.agency_code END,
        province_code = CASE WHEN p_set_province THEN p_province ELSE x.province_code END,
        -- A node belongs to a provincial office's user of its province: a new
        -- role or province drops it (org_node_user_set() scopes again).
        org_node_id = CASE WHEN coalesce(p_role, x.role) <> 'province'
                                OR (p_set_province AND p_province IS DISTINCT FROM x.province_code)
                           THEN NULL ELSE x.org_node_id END,
        disabled = coalesce(p_disabled, x.disabled),
        password_hash = coalesce(p_password_hash, x.password_hash),
        updated_at = now()
    WHERE x.username = p_username
    RETURNING x.* INTO u;
    IF NOT FOUND THEN
        outcome := 'refused';
        reason := 'not_found';
        detail := format('there is no user ''%s''', left(p_username, 64));
        RETURN NEXT;
        RETURN;
    END IF;
    tokens_revoked := 0;
    IF coalesce(p_disabled, false) OR p_role IS NOT NULL OR p_set_agency OR p_set_province
       OR p_password_hash IS NOT NULL THEN
        UPDATE tokens t SET revoked_at = now() WHERE t.user_id = u.id AND t.revoked_at IS NULL;
        GET DIAGNOSTICS tokens_revoked = ROW_COUNT;
    END IF;
    -- Read after the revocation, so that active_tokens says what is left.
    shown := user_json(u)::jsonb;
    outcome := 'ok';
    body := (shown || jsonb_build_object('tokens_revoked', tokens_revoked))::text;
    RETURN NEXT;
EXCEPTION
    WHEN foreign_key_violation OR check_violation THEN
        GET STACKED DIAGNOSTICS violated = CONSTRAINT_NAME;
        SELECT * INTO outcome, reason, field, detail FROM user_constraint_refusal(violated);
        RETURN NEXT;
END
$$;

-- Issues an automation token for a user who is not disabled (its hash; the
-- text goes to the client only), valid for p_ttl.
CREATE OR REPLACE FUNCTION token_issue(p_username text, p_token_hash text, p_label text,
                                       p_ttl interval)
RETURNS TABLE (outcome text, reason text, field text, detail text, body text,
               expires_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    u users;
    t tokens;
BEGIN
    SELECT * INTO u FROM users x WHERE x.username = p_username;
    IF NOT FOUND THEN
        outcome := 'refused';
        reason := 'not_found';
        detail := format('there is no user ''%s''', left(p_username, 64));
        RETURN NEXT;
        RETURN;
    END IF;
    IF u.disabled THEN
        outcome := 'refused';
        reason := 'user_disabled';
        RETURN NEXT;
        RETURN;
    END IF;
    INSERT INTO tokens AS k (user_id, token_hash, kind, label, expires_at)
    VALUES (u.id, p_token_hash, 'automation', p_label, now() + p_ttl)
    RETURNING k.* INTO t;
    outcome := 'ok';
    body := json_build_object('token_type', 'Bearer', 'kind', t.kind, 'label', t.label,
                              'expires_at', t.expires_at)::text;
    expires_at := t.expires_at;
    RETURN NEXT;
END
$$;

-- The organisation tree below each province (migration 0028): its rules and
-- its write function. docs/workflow.md ("The organisation tree") says the same
-- for people.
--
-- Where a kind may hang, as most provinces' own organisation does:
--   region (城市群, 经济带)   right under the province
--   city (市)                 right under the province
--   county (县/区)            under a city
--   zone (开发区/园区)        under the province, a city or a county

-- What is wrong with a node's place: the sentence for field `parent` (or
-- `kind`), or NULL when kind may hang under the parent (NULL: the province).
CREATE OR REPLACE FUNCTION org_node_place_error(p_kind text, p_parent_kind text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN p_kind NOT IN ('city', 'county', 'zone', 'region')
            THEN 'must be one of city, county, zone, region'
        WHEN p_kind IN ('city', 'region') AND p_parent_kind IS NOT NULL
            THEN format('a %s sits right under its province: leave parent out', p_kind)
        WHEN p_kind = 'county' AND p_parent_kind IS DISTINCT FROM 'city'
            THEN 'a county hangs under a city: parent must be a city''s code'
        WHEN p_kind = 'zone' AND p_parent_kind NOT IN ('city', 'county')
            THEN 'a zone hangs under its province, a city or a county'
    END
$$;

-- The nodes of a subtree: the node p_node and everything below it.
CREATE OR REPLACE FUNCTION org_node_subtree(p_node bigint) RETURNS TABLE (id bigint)
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE s AS (
        SELECT n.id FROM org_nodes n WHERE n.id = p_node
        UNION ALL
        SELECT c.id FROM org_nodes c JOIN s ON c.parent_id = s.id
    )
    SELECT s.id FROM s
$$;

-- The node p_node and the nodes above it, up to the one right under the
-- province: a node is in the subtree of each of them.
CREATE OR REPLACE FUNCTION org_node_ancestors(p_node bigint) RETURNS TABLE (id bigint)
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE a AS (
        SELECT n.id, n.parent_id FROM org_nodes n WHERE n.id = p_node
        UNION ALL
        SELECT p.id, p.parent_id FROM org_nodes p JOIN a ON p.id = a.parent_id
    )
    SELECT a.id FROM a
$$;

-- Adds one node (POST /api/v1/provinces/{code}/nodes): coordinators and admins
-- (the route says so; this says it again). p_fields holds code, parent,
-- kind, name_zh, name_en, sort_order, checked for type and form by the
-- daemon. The node's event (org_node.created) records every field.
--
-- Answers as every write does (lib/api/refusal.h): 'ok' with the node, or
-- 'refused' with not_found (no such province), invalid (field and detail say
-- what: an unknown parent, a kind that may not hang there, a code that does
-- not extend its parent's), node_exists (the code, or the name under that
-- parent, is taken) or node_limit.
CREATE OR REPLACE FUNCTION org_node_create(p_actor bigint, p_role text, p_province text, p_fields jsonb)
RETURNS TABLE (outcome text, reason text, field text, detail text, node org_nodes)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    parent org_nodes;
    n org_nodes;
    bad text;
    changes jsonb;
BEGIN
    PERFORM pg_advisory_xact_lock(7301958413);  -- the chain's lock before any row: see task_update()
    IF p_role NOT IN ('coordinator', 'admin') OR NOT EXISTS (SELECT 1 FROM provinces p WHERE p.code = p_province) THEN
        RETURN QUERY SELECT 'refused', 'not_found', NULL::text, refusal_not_found('province', p_province),
                            NULL::org_nodes;
        RETURN;
    END IF;
    IF p_fields ? 'parent' THEN
        SELECT * INTO parent FROM org_nodes x
        WHERE x.code = p_fields->>'parent' AND x.province_code = p_province;
        IF NOT FOUND THEN
            RETURN QUERY SELECT 'refused', 'invalid', 'parent',
                                format('''%s'' matches no node of %s', left(p_fields->>'parent', 64), p_province),
                                NULL::org_nodes;
            RETURN;
        END IF;
    END IF;
    bad := org_node_place_error(p_fields->>'kind', parent.kind);
    IF bad IS NOT NULL THEN
        RETURN QUERY SELECT 'refused', 'invalid',
                            CASE WHEN bad LIKE 'must be%' THEN 'kind' ELSE 'parent' END, bad, NULL::org_nodes;
        RETURN;
    END IF;
    IF (p_fields->>'code') !~ ('^' || coalesce(parent.code, p_province) || '-[A-Z0-9]{1,16}$') THEN
        RETURN QUERY SELECT 'refused', 'invalid', 'code',
                            format('must be its parent''s code and one more segment: %s-XXX (A-Z, 0-9, up to 16)',
                                   coalesce(parent.code, p_province)),
                            NULL::org_nodes;
        RETURN;
    END IF;
    IF (SELECT count(*) FROM org_nodes x WHERE x.province_code = p_province) >= 5000 THEN
        RETURN QUERY SELECT 'refused', 'node_limit', NULL::text, NULL::text, NULL::org_nodes;
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM org_nodes x
               WHERE x.code = p_fields->>'code'
                  OR (x.province_code = p_province AND x.parent_id IS NOT DISTINCT FROM parent.id
                      AND x.name_zh = p_fields->>'name_zh')) THEN
        RETURN QUERY SELECT 'refused', 'node_exists', NULL::text, NULL::text, NULL::org_nodes;
        RETURN;
    END IF;

    INSERT INTO org_nodes (province_code, code, parent_id, kind, name_zh, name_en, sort_order, created_by)
    VALUES (p_province, p_fields->>'code', parent.id, p_fields->>'kind', p_fields->>'name_zh',
            p_fields->>'name_en',
            coalesce((p_fields->>'sort_order')::integer,
                     (SELECT least(coalesce(max(x.sort_order), 0) + 1, 100000)
                      FROM org_nodes x WHERE x.province_code = p_province)),
            p_actor)
    RETURNING * INTO n;

    changes := jsonb_build_object(
        'province', jsonb_build_object('from', NULL, 'to', n.province_code),
        'code', jsonb_build_object('from', NULL, 'to', n.code),
        'parent', jsonb_build_object('from', NULL, 'to', parent.code),
        'kind', jsonb_build_object('from', NULL, 'to', n.kind),
        'name_zh', jsonb_build_object('from', NULL, 'to', n.name_zh),
        'name_en', jsonb_build_object('from', NULL, 'to', n.name_en),
        'sort_order', jsonb_build_object('from', NULL, 'to', n.sort_order));
    INSERT INTO events (actor_id, subject_type, subject_id, kind, changes)
    VALUES (p_actor, 'org_node', n.id, 'org_node.created', changes);
    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, NULL::text, n;
END
$$;

-- Whether a caller's scope covers a provincial office's work item: p_scope is
-- the caller's province (the whole province's items) or, for a user scoped to
-- a node, that node's code (the items of its subtree only); p_province and
-- p_node are the item's office and node (NULL: the province itself).
CREATE OR REPLACE FUNCTION org_node_covers(p_scope text, p_province text, p_node bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN p_scope IS NULL OR p_province IS NULL THEN false
        WHEN p_scope = p_province THEN true
        ELSE coalesce(p_node IN (SELECT s.id FROM org_nodes n CROSS JOIN LATERAL org_node_subtree(n.id) s
                                 WHERE n.code = p_scope AND n.province_code = p_province), false)
    END
$$;

-- Scopes a provincial office's user to a node and its subtree, or back to the
-- whole province (p_node NULL): PUT /api/v1/users/{username}/node, admins
-- only (the route says so; this says it again). The node must be one of the
-- user's province. The change is an event of the node (org_node.user_scoped;
-- when scoping back, of the node left), naming the user and both nodes.
--
-- Answers as every write does: 'ok' with the user's JSON, or 'refused' with
-- not_found (no such user) or invalid (field node: not a provincial office's
-- user, or no such node in the user's province).
CREATE OR REPLACE FUNCTION org_node_user_set(p_actor bigint, p_role text, p_username text, p_node text)
RETURNS TABLE (outcome text, reason text, field text, detail text, body text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    u users;
    old_node org_nodes;
    new_node org_nodes;
BEGIN
    PERFORM pg_advisory_xact_lock(7301958413);
    SELECT * INTO u FROM users x WHERE x.username = p_username AND p_role = 'admin' FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'refused', 'not_found', NULL::text,
                            format('there is no user ''%s''', left(p_username, 64)), NULL::text;
        RETURN;
    END IF;
    IF u.role <> 'province' THEN
        RETURN QUERY SELECT 'refused', 'invalid', 'node',
                            format('only a provincial office''s user (role province) is scoped to a node; ''%s'' is %s',
                                   left(p_username, 64), u.role), NULL::text;
        RETURN;
    END IF;
    IF p_node IS NOT NULL THEN
        SELECT * INTO new_node FROM org_nodes n WHERE n.code = p_node AND n.province_code = u.province_code;
        IF NOT FOUND THEN
            RETURN QUERY SELECT 'refused', 'invalid', 'node',
                                format('''%s'' matches no node of %s, the user''s province',
                                       left(p_node, 64), u.province_code), NULL::text;
            RETURN;
        END IF;
    END IF;
    SELECT * INTO old_node FROM org_nodes n WHERE n.id = u.org_node_id;
    IF new_node.id IS DISTINCT FROM old_node.id THEN
        UPDATE users x SET org_node_id = new_node.id, updated_at = now() WHERE x.id = u.id RETURNING x.* INTO u;
        INSERT INTO events (actor_id, subject_type, subject_id, kind, changes)
        VALUES (p_actor, 'org_node', coalesce(new_node.id, old_node.id), 'org_node.user_scoped',
                jsonb_build_object('user', jsonb_build_object('from', NULL, 'to', u.username),
                                   'node', jsonb_build_object('from', old_node.code, 'to', new_node.code)));
    END IF;
    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, NULL::text, user_json(u)::text;
END
$$;

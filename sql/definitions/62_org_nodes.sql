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
    PERFORM audit_write_lock(true);  -- exclusive, before any row (09_audit_locks.sql)
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
    PERFORM audit_write_lock(true);  -- exclusive, before any row (09_audit_locks.sql)
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

-- Node reports, approved bottom-up (table node_reports, migration 0028).
--
--   who files    the office of the node: a user scoped to it
--   who reviews  the level right above: users scoped to the node's parent,
--                or, for a node right under the province, the province's
--                own office (a provincial office's user with no node)
--   approve      only when every report of a node below it, for the same
--                period, is approved (a county's before its city's); and
--                the province's own report is accepted only when every node
--                report of its province and period is (report_act())
--
-- A node report as JSON.
CREATE OR REPLACE FUNCTION node_report_json(r node_reports) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', r.id, 'node', n.code, 'kind', n.kind, 'name_zh', n.name_zh,
        'parent', (SELECT p.code FROM org_nodes p WHERE p.id = n.parent_id),
        'province', r.province_code, 'period', r.period_code, 'state', r.state,
        'summary', r.summary,
        'submitted_by', (SELECT u.username FROM users u WHERE u.id = r.submitted_by),
        'submitted_at', r.submitted_at,
        'reviewed_by', (SELECT u.username FROM users u WHERE u.id = r.reviewed_by),
        'reviewed_at', r.reviewed_at, 'review_comment', r.review_comment,
        'pending_below', (SELECT count(*) FROM org_node_subtree(n.id) s
                          JOIN node_reports c ON c.org_node_id = s.id AND c.period_code = r.period_code
                          WHERE s.id <> n.id AND c.state <> 'approved'),
        'href', '/api/v1/node-reports/' || r.id)
    FROM org_nodes n WHERE n.id = r.org_node_id
$$;

-- Files (or, once returned, files again) the report of the caller's node for
-- a period: POST /api/v1/provinces/{code}/node-reports/{period}. Answers 'ok'
-- with the report, or 'refused': not_found (no such province or period, or
-- not the caller's province), not_node_scoped (the caller is no user scoped
-- to a node), period_closed, node_report_filed (submitted or approved
-- already).
CREATE OR REPLACE FUNCTION node_report_file(p_actor bigint, p_province text, p_period text, p_summary text)
RETURNS TABLE (outcome text, reason text, field text, detail text, body text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    u users;
    p periods;
    r node_reports;
BEGIN
    PERFORM audit_write_lock(true);  -- exclusive, before any row (09_audit_locks.sql)
    SELECT * INTO u FROM users x WHERE x.id = p_actor;
    SELECT * INTO p FROM periods x WHERE x.code = p_period;
    IF p.code IS NULL OR u.province_code IS DISTINCT FROM p_province THEN
        RETURN QUERY SELECT 'refused', 'not_found', NULL::text,
                            CASE WHEN p.code IS NULL THEN refusal_not_found('period', p_period)
                                 ELSE refusal_not_found('province of yours', p_province) END, NULL::text;
        RETURN;
    END IF;
    IF u.role <> 'province' OR u.org_node_id IS NULL THEN
        RETURN QUERY SELECT 'refused', 'not_node_scoped', NULL::text, NULL::text, NULL::text;
        RETURN;
    END IF;
    IF p.closed_at IS NOT NULL THEN
        RETURN QUERY SELECT 'refused', 'period_closed', NULL::text, NULL::text, NULL::text;
        RETURN;
    END IF;
    SELECT * INTO r FROM node_reports x WHERE x.org_node_id = u.org_node_id AND x.period_code = p_period FOR UPDATE;
    IF r.state IN ('submitted', 'approved') THEN
        RETURN QUERY SELECT 'refused', 'node_report_filed', NULL::text,
                            format('the report of this node for %s is %s already', p_period, r.state), NULL::text;
        RETURN;
    END IF;
    IF r.id IS NULL THEN
        INSERT INTO node_reports (org_node_id, province_code, period_code, state, summary, submitted_by)
        VALUES (u.org_node_id, p_province, p_period, 'submitted', p_summary, p_actor)
        RETURNING * INTO r;
    ELSE
        UPDATE node_reports x SET state = 'submitted', summary = p_summary, submitted_by = p_actor,
                                  submitted_at = now()
        WHERE x.id = r.id RETURNING * INTO r;
    END IF;
    INSERT INTO events (actor_id, subject_type, subject_id, kind, changes)
    VALUES (p_actor, 'node_report', r.id, 'node_report.submitted',
            jsonb_build_object('node', jsonb_build_object('from', NULL, 'to',
                                   (SELECT n.code FROM org_nodes n WHERE n.id = r.org_node_id)),
                               'period', jsonb_build_object('from', NULL, 'to', r.period_code),
                               'state', jsonb_build_object('from', NULL, 'to', r.state)));
    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, NULL::text, node_report_json(r)::text;
END
$$;

-- Approves or returns a node report (POST /api/v1/node-reports/{id}/approve
-- or /return): the level right above only (see the head of this part).
-- Answers 'ok' with the report, or 'refused': not_found (no such report),
-- action_not_allowed (not submitted, or the caller is not the level above),
-- invalid (a return needs a comment),
-- node_reports_pending (a report below is not approved yet).
CREATE OR REPLACE FUNCTION node_report_act(p_actor bigint, p_report bigint, p_action text, p_comment text)
RETURNS TABLE (outcome text, reason text, field text, detail text, body text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    u users;
    r node_reports;
    n org_nodes;
    pending text;
BEGIN
    PERFORM audit_write_lock(true);  -- exclusive, before any row (09_audit_locks.sql)
    SELECT * INTO r FROM node_reports x WHERE x.id = p_report FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'refused', 'not_found', NULL::text, refusal_not_found('node report', p_report::text),
                            NULL::text;
        RETURN;
    END IF;
    SELECT * INTO u FROM users x WHERE x.id = p_actor;
    SELECT * INTO n FROM org_nodes x WHERE x.id = r.org_node_id;
    IF r.state <> 'submitted' OR u.role <> 'province' OR u.province_code <> r.province_code
       OR u.org_node_id IS DISTINCT FROM n.parent_id THEN
        RETURN QUERY SELECT 'refused', 'action_not_allowed', NULL::text,
                            CASE WHEN r.state <> 'submitted' THEN format('the report is %s, not submitted', r.state)
                                 ELSE 'the level right above reviews a node''s report: a user scoped to its '
                                      'parent node, or the province''s own office for a node right under it' END,
                            NULL::text;
        RETURN;
    END IF;
    IF p_action = 'return' AND coalesce(btrim(p_comment), '') = '' THEN
        RETURN QUERY SELECT 'refused', 'invalid', 'comment', 'is required to return a report: say what to fix',
                            NULL::text;
        RETURN;
    END IF;
    IF p_action = 'approve' THEN
        SELECT string_agg(b.code, ', ' ORDER BY b.code) INTO pending
        FROM org_node_subtree(n.id) s
        JOIN org_nodes b ON b.id = s.id
        JOIN node_reports c ON c.org_node_id = s.id AND c.period_code = r.period_code
        WHERE s.id <> n.id AND c.state <> 'approved';
        IF pending IS NOT NULL THEN
            RETURN QUERY SELECT 'refused', 'node_reports_pending', NULL::text,
                                format('reports below come first (a county''s before its city''s): approve those of %s',
                                       left(pending, 500)), NULL::text;
            RETURN;
        END IF;
    END IF;
    UPDATE node_reports x SET state = CASE p_action WHEN 'approve' THEN 'approved' ELSE 'returned' END,
                              reviewed_by = p_actor, reviewed_at = now(), review_comment = p_comment
    WHERE x.id = r.id RETURNING * INTO r;
    INSERT INTO events (actor_id, subject_type, subject_id, kind, changes, note)
    VALUES (p_actor, 'node_report', r.id, 'node_report.' || CASE p_action WHEN 'approve' THEN 'approved' ELSE 'returned' END,
            jsonb_build_object('state', jsonb_build_object('from', 'submitted', 'to', r.state)), p_comment);
    RETURN QUERY SELECT 'ok', NULL::text, NULL::text, NULL::text, node_report_json(r)::text;
END
$$;

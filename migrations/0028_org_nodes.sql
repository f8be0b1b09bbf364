-- Cities and counties (issue 20, item 4): the organisation tree below each
-- province. A node is a city (市), a county or district (县/区), a zone
-- (开发区/园区) or a region the notice names across several places (城市群,
-- 经济带); its parent is another node of the same province, or none for a node
-- right under the province. docs/workflow.md ("The organisation tree") gives
-- the rules; the write function is org_node_create() (sql/definitions/
-- 62_org_nodes.sql).

CREATE TABLE org_nodes (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    province_code   text NOT NULL REFERENCES provinces,
    -- The code names the place for people and for the API: its parent's code
    -- (the province's for a top node) and one more segment, e.g. CN-LN-DALIAN.
    code            text NOT NULL UNIQUE
                    CHECK (code ~ '^CN-[A-Z]{2}(-[A-Z0-9]{1,16}){1,4}$' AND code LIKE province_code || '-%'),
    parent_id       bigint,
    kind            text NOT NULL CHECK (kind IN ('city', 'county', 'zone', 'region')),
    name_zh         text NOT NULL CHECK (btrim(name_zh) <> '' AND length(name_zh) <= 100),
    name_en         text NOT NULL CHECK (btrim(name_en) <> '' AND length(name_en) <= 200),
    sort_order      integer NOT NULL CHECK (sort_order BETWEEN 1 AND 100000),
    -- The notice's locality this node stands for, when it came from one.
    locality_id     integer UNIQUE REFERENCES localities,
    created_by      bigint REFERENCES users,  -- NULL: made by a migration
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (province_code, id),
    -- A parent in the same province (a node cannot hang under another province's).
    FOREIGN KEY (province_code, parent_id) REFERENCES org_nodes (province_code, id),
    CHECK (parent_id <> id),
    -- Place names repeat across a country, not among one parent's children.
    UNIQUE NULLS NOT DISTINCT (province_code, parent_id, name_zh)
);

CREATE INDEX org_nodes_parent ON org_nodes (parent_id);

-- The notice's localities become nodes, in their order. Two lie inside a city
-- the notice also names (长春高新区 in 长春, the Sino-German park in 沈阳) and
-- hang under it; the rest sit right under their province. 'park' is a zone.
INSERT INTO org_nodes (province_code, code, kind, name_zh, name_en, sort_order, locality_id)
SELECT l.province_code, v.code, CASE WHEN l.kind = 'park' THEN 'zone' ELSE l.kind END,
       l.name_zh, l.name_en, l.sort_order, l.id
FROM localities l
JOIN (VALUES
    ('辽宁中部城市群', 'CN-LN-CENTRAL'),
    ('大连', 'CN-LN-DALIAN'),
    ('丹东', 'CN-LN-DANDONG'),
    ('辽西', 'CN-LN-WEST'),
    ('辽宁自贸区', 'CN-LN-FTZ'),
    ('蒙东', 'CN-NM-EAST'),
    ('沈阳', 'CN-LN-SHENYANG'),
    ('长春', 'CN-JL-CHANGCHUN'),
    ('哈尔滨', 'CN-HL-HARBIN'),
    ('辽宁沿海经济带', 'CN-LN-COAST'),
    ('长吉图经济区', 'CN-JL-CJT'),
    ('沈阳经济区', 'CN-LN-SYEZ'),
    ('哈大齐工业走廊', 'CN-HL-HDQ'),
    ('长春高新区', 'CN-JL-CHANGCHUN-HTZ'),
    ('中德(沈阳)高端装备制造产业园', 'CN-LN-SHENYANG-SGP')
) AS v(name_zh, code) ON v.name_zh = l.name_zh
ORDER BY l.sort_order;

UPDATE org_nodes n SET parent_id = p.id
FROM org_nodes p
WHERE p.code = regexp_replace(n.code, '-[A-Z0-9]+$', '')
  AND n.code IN ('CN-JL-CHANGCHUN-HTZ', 'CN-LN-SHENYANG-SGP');

-- A locality a document import adds later (import_document()) becomes a node
-- too, right under its province, with a code from its id: the tree always
-- holds every place a measure names.
CREATE FUNCTION org_nodes_from_locality() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO org_nodes (province_code, code, kind, name_zh, name_en, sort_order, locality_id)
    VALUES (NEW.province_code, NEW.province_code || '-L' || NEW.id,
            CASE WHEN NEW.kind = 'park' THEN 'zone' ELSE NEW.kind END,
            NEW.name_zh, NEW.name_en,
            (SELECT least(coalesce(max(n.sort_order), 0) + 1, 100000) FROM org_nodes n
             WHERE n.province_code = NEW.province_code),
            NEW.id)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

CREATE TRIGGER localities_org_node AFTER INSERT ON localities
    FOR EACH ROW EXECUTE FUNCTION org_nodes_from_locality();

-- Events about nodes and their reports: subject_types 'org_node' and
-- 'node_report', widening 0005's CHECK by one
-- value whatever it lists now, as 0020 did.
DO $$
DECLARE
    def text;
BEGIN
    SELECT pg_get_constraintdef(c.oid) INTO def
    FROM pg_constraint c
    WHERE c.conrelid = 'events'::regclass AND c.conname = 'events_subject_type_check';
    IF def IS NULL OR position('ARRAY[' IN def) = 0 THEN
        RAISE EXCEPTION 'events_subject_type_check is not the list this migration expects: %', def;
    END IF;
    IF position('''org_node''' IN def) = 0 THEN
        ALTER TABLE events DROP CONSTRAINT events_subject_type_check;
        EXECUTE 'ALTER TABLE events ADD CONSTRAINT events_subject_type_check '
                || replace(def, 'ARRAY[', 'ARRAY[''org_node''::text, ''node_report''::text, ');
    END IF;
END
$$;

-- Users scoped to a node (a provincial office's user at a city, county or
-- zone: docs/workflow.md, "Users scoped to a node"): only the role province,
-- and only a node of the user's own province (the pair is the key).
ALTER TABLE users ADD COLUMN org_node_id bigint;
ALTER TABLE users ADD CONSTRAINT users_org_node_scope
    CHECK (org_node_id IS NULL OR role = 'province');
ALTER TABLE users ADD CONSTRAINT users_org_node_fk
    FOREIGN KEY (province_code, org_node_id) REFERENCES org_nodes (province_code, id);

-- Decomposition to a node: a work item the provincial office carries may go
-- to a node of the task's province (the item's office is that province).
ALTER TABLE work_items ADD COLUMN org_node_id bigint;
ALTER TABLE work_items ADD CONSTRAINT work_items_org_node_office
    CHECK (org_node_id IS NULL OR province_code IS NOT NULL);
ALTER TABLE work_items ADD CONSTRAINT work_items_org_node_fk
    FOREIGN KEY (province_code, org_node_id) REFERENCES org_nodes (province_code, id);
CREATE INDEX work_items_org_node ON work_items (org_node_id) WHERE removed_at IS NULL;

-- Reports approved bottom-up (as DHIS2 approves data level by level): each
-- node's office reports on its period, the level right above approves, and a
-- report is approved only when every node report below it is (rules:
-- node_report_file() and node_report_act(), sql/definitions/62_org_nodes.sql).
CREATE TABLE node_reports (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_node_id     bigint NOT NULL REFERENCES org_nodes,
    province_code   text NOT NULL REFERENCES provinces,
    period_code     text NOT NULL REFERENCES periods,
    state           text NOT NULL CHECK (state IN ('submitted', 'approved', 'returned')),
    summary         text NOT NULL CHECK (btrim(summary) <> '' AND length(summary) <= 20000),
    submitted_by    bigint NOT NULL REFERENCES users,
    submitted_at    timestamptz NOT NULL DEFAULT now(),
    reviewed_by     bigint REFERENCES users,
    reviewed_at     timestamptz,
    review_comment  text CHECK (length(review_comment) <= 5000),
    UNIQUE (org_node_id, period_code),
    FOREIGN KEY (province_code, org_node_id) REFERENCES org_nodes (province_code, id)
);
CREATE INDEX node_reports_period ON node_reports (province_code, period_code);

-- The daemon reads the tree; it changes it only through org_node_create().
GRANT SELECT ON org_nodes, node_reports TO policytrack_app;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON org_nodes, node_reports FROM policytrack_app;

-- Roles as data: the five roles a user may have, with their names for people,
-- served by GET /api/v1/roles. users.role now references this table instead of
-- listing the names in a CHECK. What each role may do is code (the routes'
-- access sets in lib/api/routes.c, named by lib/core/roles.c), so /readyz
-- refuses to report ready while this table and the build disagree.

CREATE TABLE roles (
    name            text PRIMARY KEY CHECK (name ~ '^[a-z]+$'),
    name_zh         text NOT NULL CHECK (length(name_zh) BETWEEN 1 AND 100),
    name_en         text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 100),
    sort_order      integer NOT NULL UNIQUE
);

INSERT INTO roles (name, name_zh, name_en, sort_order) VALUES
    ('admin',       '系统管理员',       'Administrator',         1),
    ('coordinator', '联席会议办公室',   'Coordinator',           2),
    ('agency',      '成员单位',         'Agency officer',        3),
    ('province',    '省(区)知识产权局', 'Provincial office',     4),
    ('observer',    '观察员',           'Observer',              5);

ALTER TABLE users
    DROP CONSTRAINT users_role_check,
    ADD CONSTRAINT users_role_fkey FOREIGN KEY (role) REFERENCES roles;

-- The daemon reads roles; changing them is a migration, with a build to match.
REVOKE ALL ON roles FROM policytrack_app;
GRANT SELECT ON roles TO policytrack_app;

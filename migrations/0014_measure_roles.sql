-- The roles an agency takes on a measure (and so on its tasks), as data, like
-- task_statuses: the API checks a `role` filter against this table and orders
-- a measure's agencies by it, and the CHECKs of 0002 that restated the two
-- values go. tasks.role stays bound to measure_agencies by its foreign key.
CREATE TABLE measure_roles (
    role        text PRIMARY KEY,
    label_en    text NOT NULL,
    label_zh    text NOT NULL,
    sort_order  integer NOT NULL UNIQUE
);

INSERT INTO measure_roles VALUES
    ('lead',    'Lead',    '牵头', 1),
    ('support', 'Support', '配合', 2);

ALTER TABLE measure_agencies
    DROP CONSTRAINT measure_agencies_role_check,
    ADD CONSTRAINT measure_agencies_role_known FOREIGN KEY (role) REFERENCES measure_roles;

ALTER TABLE tasks DROP CONSTRAINT tasks_role_check;

-- Status changes that do not serialise (issue 15, item 3). The dashboards'
-- sums (dashboard_counts, 0029; dashboard_day_counts, 0030) were updated in
-- place by every change, under one advisory lock held to commit: every
-- change of every task waited for the one before. From here a change adds
-- its differences as rows of its own (part: the writing transaction's id),
-- which no other writer touches, and a folder (dashboard_sums_fold(),
-- sql/definitions/15_dashboard_aggregates.sql) adds committed parts into the
-- kept rows (part 0) in short transactions of its own. Every reader already
-- adds a group's rows up, so it adds the parts not folded yet as well: the
-- answers stay exact in any transaction's view.
ALTER TABLE dashboard_counts ADD COLUMN part bigint NOT NULL DEFAULT 0;
ALTER TABLE dashboard_counts DROP CONSTRAINT dashboard_counts_pkey;
ALTER TABLE dashboard_counts ADD PRIMARY KEY (grain, section_id, agency_code, province_code, status, day, part);
-- The folder's way to the parts waiting for it.
CREATE INDEX dashboard_counts_parts ON dashboard_counts (part) WHERE part <> 0;

ALTER TABLE dashboard_day_counts ADD COLUMN part bigint NOT NULL DEFAULT 0;
ALTER TABLE dashboard_day_counts DROP CONSTRAINT dashboard_day_counts_pkey;
ALTER TABLE dashboard_day_counts ADD PRIMARY KEY (grain, section_id, agency_code, province_code, status, span, day, part);
CREATE INDEX dashboard_day_counts_parts ON dashboard_day_counts (part) WHERE part <> 0;

-- The matrix's rows (0030) are one text per measure: writers of the same
-- measure cannot each add a part. A writer that finds the measure's row
-- taken by another writer marks it instead (a row of its own here, as the
-- parts above), and readers rebuild a marked row from the tasks' parts, as
-- they do a row past its day; the folder rebuilds the marked rows and
-- removes the marks it saw. The kept rows move to dashboard_matrix_kept;
-- dashboard_matrix_rows becomes a view of them with the same columns, in
-- which a marked row reads as past its day (definitions/15).
ALTER TABLE dashboard_matrix_rows RENAME TO dashboard_matrix_kept;
CREATE TABLE dashboard_matrix_dirty (
    measure_id integer NOT NULL,
    part       bigint NOT NULL,
    PRIMARY KEY (measure_id, part)
);

-- The matrix from rows kept with every change (issue 15, item 1). Its answer
-- has one row per measure with a task, each naming, per province, the lead
-- agency's task status and RAG, the number of tasks and every support task:
-- building it from the tasks took 0.25 s at 20,000 tasks and 2 s at 200,000.
-- dashboard_matrix_rows keeps each measure's row as the scan writes it, so
-- that the current matrix is those texts joined in order
-- (sql/definitions/15_dashboard_aggregates.sql keeps and fills it).
--
-- The RAG ratings in a row are the clock's too: a row holds on the days from
-- computed_on until turns_on, the first later day on which one of its
-- tasks turns amber or red; a reader on a later day rebuilds that row from
-- the tasks' parts, and the next write brings it up to date.

-- Each task's part also names its measure and role: the matrix's cells are
-- made of parts. Emptied here; re-applying definition 15 fills both tables.
TRUNCATE dashboard_task_parts, dashboard_counts;
ALTER TABLE dashboard_task_parts
    ADD COLUMN measure_id integer NOT NULL,
    ADD COLUMN role text NOT NULL;
CREATE INDEX dashboard_task_parts_measure ON dashboard_task_parts (measure_id);

CREATE TABLE dashboard_matrix_rows (
    measure_id      integer PRIMARY KEY,
    document_id     integer NOT NULL,
    sort_order      integer NOT NULL,
    section_id      integer NOT NULL,
    row_json        text NOT NULL,      -- with a member for every province of the catalogue
    computed_on     date NOT NULL,      -- the day (dashboard_zone's) its ratings were judged on
    turns_on        date                -- the first later day a rating in it changes; NULL: none will
);
-- The matrix reads the rows in this order; the writes look for rows past their day.
CREATE INDEX dashboard_matrix_rows_order ON dashboard_matrix_rows (document_id, sort_order);
CREATE INDEX dashboard_matrix_rows_turns ON dashboard_matrix_rows (turns_on);
ALTER TABLE dashboard_matrix_rows SET (fillfactor = 70);

GRANT SELECT ON dashboard_matrix_rows TO policytrack_app;

-- `as_of` and the trend from sums by day (sql/definitions/17_dashboard_days.sql).
-- A task's state at the end of a day (status, RAG, overdue), as tasks_as_of()
-- rebuilds it, changes only on the days its events happen and on the days its
-- rules turn: dashboard_task_days keeps, for each task, the days it changes
-- and what it changes to (with the keys the dashboards filter by), and
-- dashboard_day_counts their sums by grain as differences: the figures at the
-- end of a day are the sum of its grain's rows up to that day. Each
-- difference is kept twice, on its day (span 0) and on its month's first
-- day (span 1), so that a reader adds the months before and the days of the
-- last month, not every day of the history.
CREATE TABLE dashboard_task_days (
    task_id         bigint NOT NULL,
    day             date NOT NULL,
    section_id      integer NOT NULL,
    agency_code     text NOT NULL,
    province_code   text NOT NULL,
    status          text NOT NULL,
    rag             text NOT NULL,
    overdue         boolean NOT NULL,
    PRIMARY KEY (task_id, day)
);

CREATE TABLE dashboard_day_counts (
    grain           smallint NOT NULL CHECK (grain BETWEEN 0 AND 4),
    section_id      integer NOT NULL,
    agency_code     text NOT NULL,
    province_code   text NOT NULL,
    status          text NOT NULL,
    span            smallint NOT NULL CHECK (span IN (0, 1)),   -- 0 a day's, 1 a month's (day: its first)
    day             date NOT NULL,
    tasks           integer NOT NULL DEFAULT 0,
    red             integer NOT NULL DEFAULT 0,
    amber           integer NOT NULL DEFAULT 0,
    overdue         integer NOT NULL DEFAULT 0,
    PRIMARY KEY (grain, section_id, agency_code, province_code, status, span, day)
);
-- A reader takes one grain's months up to a day, then that month's days.
CREATE INDEX dashboard_day_counts_by_day ON dashboard_day_counts (grain, span, day);
ALTER TABLE dashboard_day_counts SET (fillfactor = 70);

GRANT SELECT ON dashboard_task_days, dashboard_day_counts TO policytrack_app;

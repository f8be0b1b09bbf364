-- Dashboards that do not scan (issue 15, item 1). The current-state
-- dashboards (summary, by agency, province, section and document) add up
-- dashboard_counts instead of reading every task. The rows are kept exact in
-- the same transaction as every change of a task, by triggers on tasks,
-- measures and extension_requests that run as the owner
-- (sql/definitions/15_dashboard_aggregates.sql, which also fills them).
--
-- Time moves without a write: what a day changes is stored as the day it
-- happens. Each task adds, at day '-infinity', 1 to `tasks` and its static
-- counts (status, receipt, extensions); at the first day it is amber or red,
-- 1 to rag_amber_or_red; at the first day it is red, 1 to rag_red; at the
-- first day it is overdue, 1 to overdue. A dashboard today sums the rows of
-- the days up to today: red = rag_red, amber = rag_amber_or_red - rag_red,
-- green = tasks - rag_amber_or_red. Rows grow with the spread of due dates,
-- not with the number of tasks.
--
-- The "not updated for 90 days" rule counts days of a time zone
-- (dashboard_zone, the daemon's default Asia/Shanghai): a daemon set to
-- another zone answers by the scan, as before.

CREATE TABLE dashboard_zone (
    only_row        boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    zone            text NOT NULL
);
INSERT INTO dashboard_zone (zone) VALUES ('Asia/Shanghai');

-- Each task's part in dashboard_counts, as it was last added: the triggers
-- take it out again, exactly, when the task changes or goes.
CREATE TABLE dashboard_task_parts (
    task_id         bigint PRIMARY KEY,
    section_id      integer NOT NULL,
    agency_code     text NOT NULL,
    province_code   text NOT NULL,
    status          text NOT NULL,
    unreceived      integer NOT NULL,
    sent_back       integer NOT NULL,
    ext_open        integer NOT NULL,
    ext_approved    integer NOT NULL,
    amber_or_red_from date,             -- NULL: never; '-infinity': always
    red_from        date,
    overdue_from    date
);

-- The sums, by grain: 0 all tasks, 1 by agency, 2 by province, 3 by section,
-- 4 by section, agency and province (any filter); a key the grain does not
-- use is 0 or ''.
CREATE TABLE dashboard_counts (
    grain           smallint NOT NULL CHECK (grain BETWEEN 0 AND 4),
    section_id      integer NOT NULL,
    agency_code     text NOT NULL,
    province_code   text NOT NULL,
    status          text NOT NULL,
    day             date NOT NULL,
    tasks           integer NOT NULL DEFAULT 0,
    unreceived      integer NOT NULL DEFAULT 0,
    sent_back       integer NOT NULL DEFAULT 0,
    ext_open        integer NOT NULL DEFAULT 0,
    ext_approved    integer NOT NULL DEFAULT 0,
    rag_amber_or_red integer NOT NULL DEFAULT 0,
    rag_red         integer NOT NULL DEFAULT 0,
    overdue         integer NOT NULL DEFAULT 0,
    PRIMARY KEY (grain, section_id, agency_code, province_code, status, day)
);
-- A dashboard reads one grain's rows up to today: '-infinity' and the few
-- days not folded yet, not the future days the primary key would scan too.
CREATE INDEX dashboard_counts_by_day ON dashboard_counts (grain, day);
-- Every write updates a few rows in place: room on the page keeps the
-- updates HOT (no new index entries) until vacuum catches up.
ALTER TABLE dashboard_counts SET (fillfactor = 50);
ALTER TABLE dashboard_task_parts SET (fillfactor = 70);

GRANT SELECT ON dashboard_zone, dashboard_task_parts, dashboard_counts TO policytrack_app;

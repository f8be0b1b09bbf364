-- Data changes told to the caches by the sequencer, not by each writer
-- (issue 15, item 3). Until here every write to a table a dashboard reads
-- called pg_notify() in its own transaction (0010), and PostgreSQL holds one
-- lock on the whole cluster's notification queue from just before each such
-- commit to its end, WAL flush included: on a durable cluster every write
-- waited for the flush of the one before. A write now appends a mark to
-- change_marks (sql/definitions/08_change_marks.sql), which no other writer
-- waits for, and events_seal(), run by each daemon after its writes and on
-- its timer, takes the committed marks and notifies once for all of them.
-- 'auth' notifications (a token revoked, a user changed) stay immediate.
-- One row per writing transaction, named by its id (for a look at what is
-- waiting); no key, since the only reader takes them all.
CREATE TABLE change_marks (
    tx xid8 NOT NULL
);

DROP TRIGGER tasks_notify_change ON tasks;
DROP TRIGGER events_notify_change ON events;
DROP TRIGGER reports_notify_change ON reports;
DROP TRIGGER periods_notify_change ON periods;
DROP TRIGGER measures_notify_change ON measures;
DROP TRIGGER sections_notify_change ON sections;
DROP TRIGGER agencies_notify_change ON agencies;
DROP TRIGGER provinces_notify_change ON provinces;
DROP TRIGGER work_items_notify_change ON work_items;
DROP TRIGGER escalations_notify_change ON escalations;

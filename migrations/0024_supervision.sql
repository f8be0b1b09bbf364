-- The supervision loop offices run (督办闭环, issue 20, items 1, 2 and 5):
-- receipt and send-back, extension requests, and formal closure.
--
-- Receipt (签收/退回). Each task's receipt is 'unreceived' (assigned, not yet
-- acknowledged by its unit), 'received', or 'sent_back' (the unit says it is
-- not theirs, with a reason, and waits for the coordinator to re-assign it).
-- Tasks that exist when this migration runs start unreceived too: no unit
-- has acknowledged them, and `policytrack audit verify` replays every task's
-- receipt from 'unreceived' through its events (task.received,
-- task.sent_back, task.reassigned), with no exception to remember.
ALTER TABLE tasks
    ADD COLUMN receipt text NOT NULL DEFAULT 'unreceived'
        CHECK (receipt IN ('unreceived', 'received', 'sent_back'));
CREATE INDEX tasks_unreceived ON tasks (receipt) WHERE receipt <> 'received';
-- A work item's receipt, the same way: its carrying agency or provincial
-- office receives it or sends it back; a coordinator re-assigns it by naming
-- its party (PATCH), which makes it unreceived again.
ALTER TABLE work_items
    ADD COLUMN receipt text NOT NULL DEFAULT 'unreceived'
        CHECK (receipt IN ('unreceived', 'received', 'sent_back'));

-- Extension requests (延期申请): one row per request, at most one open a
-- task. previous_due is the task's due date when the request was decided:
-- the first approved request's is the task's original due date.
CREATE TABLE extension_requests (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id       bigint NOT NULL REFERENCES tasks ON DELETE CASCADE,
    requested_due date NOT NULL,
    reason        text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 2000),
    requested_by  bigint NOT NULL REFERENCES users,
    requested_at  timestamptz NOT NULL DEFAULT now(),
    state         text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'approved', 'refused')),
    granted_due   date,
    previous_due  date,
    decision_note text CHECK (length(decision_note) <= 2000),
    decided_by    bigint REFERENCES users,
    decided_at    timestamptz,
    CHECK ((state = 'open') = (decided_at IS NULL)),
    CHECK ((state = 'approved') = (granted_due IS NOT NULL))
);
CREATE UNIQUE INDEX extension_requests_one_open ON extension_requests (task_id) WHERE state = 'open';
CREATE INDEX extension_requests_task ON extension_requests (task_id, id);

-- Formal closure (办结): the evidence a transition asks for, as data beside
-- the rest of the workflow. Accepting a closure (completed -> verified, the
-- coordinator's review) needs at least one piece of evidence on record: a
-- link in the task's evidence or an attached file.
ALTER TABLE task_transitions
    ADD COLUMN evidence_needed integer NOT NULL DEFAULT 0 CHECK (evidence_needed >= 0);
UPDATE task_transitions SET evidence_needed = 1 WHERE from_status = 'completed' AND to_status = 'verified';

-- Webhooks (issue 19, item 3): endpoints admins register, and an outbox of
-- deliveries written in the same transaction as the change that causes them
-- (a trigger on events, sql/definitions/70_webhooks.sql), so that no event is
-- lost and none is announced that did not commit. The daemon claims due rows
-- (FOR UPDATE SKIP LOCKED, with a lease), sends them off its loop and records
-- the outcome; all of that through SECURITY DEFINER functions, since the
-- daemon's role writes no table (0022).

CREATE TABLE webhooks (
    id              bigserial PRIMARY KEY,
    name            text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    url             text NOT NULL CHECK (url ~ '^https?://' AND char_length(url) <= 2000),
    format          text NOT NULL CHECK (format IN ('json', 'dingtalk', 'wecom')),
    -- Event types or prefixes (task.*, or * for all) this endpoint is sent.
    events          text[] NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 50),
    -- At most one scope: only the events and reminders of this agency or province.
    agency_code     text REFERENCES agencies,
    province_code   text REFERENCES provinces,
    -- The HMAC key of X-Policytrack-Signature: shown once, kept so the daemon can sign.
    secret          text NOT NULL,
    -- A DingTalk robot's signing secret (加签), used for its timestamp & sign query.
    dingtalk_secret text,
    enabled         boolean NOT NULL DEFAULT true,
    created_by      bigint REFERENCES users,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhooks_one_scope CHECK (agency_code IS NULL OR province_code IS NULL)
);

CREATE TABLE webhook_deliveries (
    id              bigserial PRIMARY KEY,
    -- Sent as X-Policytrack-Delivery on every attempt and replay: receivers deduplicate on it.
    delivery_id     uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    webhook_id      bigint NOT NULL REFERENCES webhooks ON DELETE CASCADE,
    event_id        bigint,          -- the events row; NULL for reminders and pings
    event_type      text NOT NULL,
    payload         jsonb NOT NULL,  -- the generic JSON's data; the formats are made from it
    state           text NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'delivered', 'parked')),
    attempts        int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_attempt_at timestamptz,
    last_status     int,             -- the target's HTTP status, NULL when none came
    last_error      text,            -- why the last attempt failed; why it is parked
    replays         int NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz
);

-- What the sender claims, and what /metrics counts.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_parked ON webhook_deliveries (id) WHERE state = 'parked';
CREATE INDEX webhook_deliveries_of ON webhook_deliveries (webhook_id, id);

-- The daily reminder run: one row per (day, recipient) enqueued, so several
-- daemons (or a restart) enqueue a day's reminders once. recipient is
-- 'agency:CODE', 'province:CODE', or '*' for the day's run itself.
CREATE TABLE webhook_reminder_runs (
    day         date NOT NULL,
    recipient   text NOT NULL,
    enqueued_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (day, recipient)
);

-- The outbox is fed by every event as it is written (whatever its kind,
-- including kinds added later); the function's body is a repeatable
-- definition (sql/definitions/70_webhooks.sql) and this is its placeholder.
CREATE FUNCTION webhook_outbox_from_event() RETURNS trigger
LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;

CREATE TRIGGER events_webhook_outbox AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION webhook_outbox_from_event();

-- +goose Up
-- What a queue's callers get besides music: opening hours (in the tenant's
-- time zone) and the action while closed, the estimated wait, callbacks
-- that keep their place, voicemail.
ALTER TABLE tenants ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
ALTER TABLE queues ADD COLUMN hours TEXT NOT NULL DEFAULT '';
ALTER TABLE queues ADD COLUMN hours_exceptions TEXT NOT NULL DEFAULT '';
ALTER TABLE queues ADD COLUMN closed_action TEXT NOT NULL DEFAULT 'hangup';
ALTER TABLE queues ADD COLUMN closed_target TEXT NOT NULL DEFAULT '';
ALTER TABLE queues ADD COLUMN announce_estimate INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queues ADD COLUMN callback_after_seconds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queues ADD COLUMN callback_above_seconds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queues ADD COLUMN callback_attempts INTEGER NOT NULL DEFAULT 3;
ALTER TABLE queues ADD COLUMN callback_retry_seconds INTEGER NOT NULL DEFAULT 300;
ALTER TABLE queues ADD COLUMN voicemail_key INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queues ADD COLUMN voicemail_max_seconds INTEGER NOT NULL DEFAULT 120;

-- The wait a caller was told as they entered (NULL: no estimate), so that
-- reports show how good the estimates were.
ALTER TABLE calls ADD COLUMN estimate_ms INTEGER;

-- A caller's request to be called back, keeping their place in the queue:
-- written before the caller hears it was taken; the waiting ones are queued
-- again when ccaas starts.
CREATE TABLE callbacks (
    id               TEXT PRIMARY KEY,  -- also the id of the call that carries it
    tenant_id        INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    queue_id         INTEGER NOT NULL,  -- no foreign key: the report keeps a removed queue's callbacks
    queue_name       TEXT NOT NULL,
    call_id          TEXT NOT NULL,     -- the call on which the caller asked
    number           TEXT NOT NULL,
    name             TEXT NOT NULL DEFAULT '',
    data             TEXT NOT NULL DEFAULT '[]', -- attached data, JSON
    arrived_at       TEXT NOT NULL,     -- the call's arrival: the callback's place
    requested_at     TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('waiting', 'reached', 'failed', 'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_at          TEXT NOT NULL DEFAULT '',
    first_dialled_at TEXT NOT NULL DEFAULT '',
    reached_at       TEXT NOT NULL DEFAULT '',
    ended_at         TEXT NOT NULL DEFAULT '',
    agent_id         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX callbacks_open ON callbacks (tenant_id, arrived_at) WHERE state = 'waiting';
CREATE INDEX callbacks_requested ON callbacks (tenant_id, requested_at);

-- A message a caller left for a queue, with its recording; offered to the
-- queue's agents until one closes it.
CREATE TABLE voicemails (
    id           TEXT PRIMARY KEY,
    tenant_id    INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    queue_id     INTEGER NOT NULL,
    queue_name   TEXT NOT NULL,
    call_id      TEXT NOT NULL,
    number       TEXT NOT NULL,
    name         TEXT NOT NULL DEFAULT '',
    data         TEXT NOT NULL DEFAULT '[]',
    arrived_at   TEXT NOT NULL,
    left_at      TEXT NOT NULL,
    recording_id TEXT REFERENCES recordings(id) ON DELETE SET NULL,
    seconds      INTEGER NOT NULL DEFAULT 0,
    state        TEXT NOT NULL CHECK (state IN ('new', 'closed', 'called_back', 'expired')),
    agent_id     INTEGER NOT NULL DEFAULT 0,
    closed_at    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX voicemails_open ON voicemails (tenant_id, arrived_at) WHERE state = 'new';
CREATE INDEX voicemails_left ON voicemails (tenant_id, left_at);
CREATE INDEX voicemails_recording ON voicemails (recording_id);

-- +goose Down
DROP TABLE voicemails;
DROP TABLE callbacks;
ALTER TABLE calls DROP COLUMN estimate_ms;
ALTER TABLE queues DROP COLUMN voicemail_max_seconds;
ALTER TABLE queues DROP COLUMN voicemail_key;
ALTER TABLE queues DROP COLUMN callback_retry_seconds;
ALTER TABLE queues DROP COLUMN callback_attempts;
ALTER TABLE queues DROP COLUMN callback_above_seconds;
ALTER TABLE queues DROP COLUMN callback_after_seconds;
ALTER TABLE queues DROP COLUMN announce_estimate;
ALTER TABLE queues DROP COLUMN closed_target;
ALTER TABLE queues DROP COLUMN closed_action;
ALTER TABLE queues DROP COLUMN hours_exceptions;
ALTER TABLE queues DROP COLUMN hours;
ALTER TABLE tenants DROP COLUMN time_zone;

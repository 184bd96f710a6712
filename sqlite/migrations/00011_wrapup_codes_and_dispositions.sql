-- +goose Up
-- Wrapup codes per queue (at most 50, in order), whether a queue requires
-- one before wrapup ends, the tenant's switch to end wrapup early, and the
-- agents' dispositions (code and note) of their calls.
ALTER TABLE queues ADD COLUMN code_required INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tenants ADD COLUMN end_wrapup_early INTEGER NOT NULL DEFAULT 0;

CREATE TABLE queue_wrapup_codes (
    queue_id INTEGER NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
    position INTEGER NOT NULL CHECK (position BETWEEN 1 AND 50),
    code     TEXT NOT NULL,
    PRIMARY KEY (queue_id, position),
    UNIQUE (queue_id, code)
);

-- One row per agent and call: given during the call or in the wrapup after
-- it, so often before the call's record is written (no foreign key to
-- calls, nor to queues: a disposition outlives its queue and its code).
CREATE TABLE call_dispositions (
    call_id   TEXT NOT NULL,
    agent_id  INTEGER NOT NULL,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    queue_id  INTEGER,
    code      TEXT NOT NULL DEFAULT '',
    note      TEXT NOT NULL DEFAULT '',
    at        TEXT NOT NULL,
    PRIMARY KEY (call_id, agent_id)
);

-- +goose Down
DROP TABLE call_dispositions;
DROP TABLE queue_wrapup_codes;
ALTER TABLE tenants DROP COLUMN end_wrapup_early;
ALTER TABLE queues DROP COLUMN code_required;

-- +goose Up
-- How a queue routes: priority between queues, agent selection, what happens
-- after the maximum wait, and position announcements.
ALTER TABLE queues ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queues ADD COLUMN strategy TEXT NOT NULL DEFAULT 'longest_idle'
    CHECK (strategy IN ('longest_idle', 'round_robin', 'fewest_calls'));
ALTER TABLE queues ADD COLUMN max_wait_seconds INTEGER NOT NULL DEFAULT 0 CHECK (max_wait_seconds >= 0); -- 0: no limit
ALTER TABLE queues ADD COLUMN overflow TEXT NOT NULL DEFAULT 'hangup'
    CHECK (overflow IN ('hangup', 'queue', 'extension'));
ALTER TABLE queues ADD COLUMN overflow_target TEXT NOT NULL DEFAULT ''; -- a queue id or an agent extension
ALTER TABLE queues ADD COLUMN announce_seconds INTEGER NOT NULL DEFAULT 0 CHECK (announce_seconds >= 0); -- 0: no announcements

-- The tenant's own Not Ready reasons, besides break, lunch and training.
CREATE TABLE not_ready_reasons (
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    reason    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, reason)
);

-- +goose Down
DROP TABLE not_ready_reasons;
ALTER TABLE queues DROP COLUMN announce_seconds;
ALTER TABLE queues DROP COLUMN overflow_target;
ALTER TABLE queues DROP COLUMN overflow;
ALTER TABLE queues DROP COLUMN max_wait_seconds;
ALTER TABLE queues DROP COLUMN strategy;
ALTER TABLE queues DROP COLUMN priority;

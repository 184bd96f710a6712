-- +goose Up
-- The queue's service-level target: a call answered within this many seconds
-- counts as answered "in service level".
ALTER TABLE queues ADD COLUMN service_level_seconds INTEGER NOT NULL DEFAULT 20;
-- Which call an agent-state change belongs to (the wrapup after it, a
-- ring-no-answer), so reports can give wrapup time to the call's queue.
ALTER TABLE agent_state_log ADD COLUMN call_id TEXT NOT NULL DEFAULT '';
-- Who made the change when it was not the agent (a supervisor's username).
ALTER TABLE agent_state_log ADD COLUMN by_user TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE agent_state_log DROP COLUMN by_user;
ALTER TABLE agent_state_log DROP COLUMN call_id;
ALTER TABLE queues DROP COLUMN service_level_seconds;

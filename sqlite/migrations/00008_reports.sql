-- +goose Up
-- Each agent's share of a call's hold time (the hold while they were on it).
ALTER TABLE call_agents ADD COLUMN hold_ms INTEGER NOT NULL DEFAULT 0;
-- Reports read a tenant's state log by time (all agents at once), and the
-- wrapup rows of a period's calls by call id.
CREATE INDEX agent_state_log_tenant_at ON agent_state_log (tenant_id, at);
CREATE INDEX agent_state_log_call ON agent_state_log (tenant_id, call_id, at) WHERE call_id != '';

-- +goose Down
DROP INDEX agent_state_log_call;
DROP INDEX agent_state_log_tenant_at;
ALTER TABLE call_agents DROP COLUMN hold_ms;

-- +goose Up
-- Every agent state transition, appended by the app (reporting reads it).
CREATE TABLE agent_state_log (
    id         INTEGER PRIMARY KEY,
    tenant_id  INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    agent_id   INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    at         TEXT NOT NULL,            -- RFC 3339 with milliseconds, UTC
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '', -- Not Ready reason
    pending    TEXT NOT NULL DEFAULT '', -- Pending Not Ready reason after the change
    cause      TEXT NOT NULL DEFAULT ''  -- what caused it (login, ready, ring no answer, wrapup over ...)
);
CREATE INDEX agent_state_log_agent_at ON agent_state_log (tenant_id, agent_id, at);

-- +goose Down
DROP TABLE agent_state_log;

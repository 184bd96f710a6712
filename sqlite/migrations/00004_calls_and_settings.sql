-- +goose Up
-- Tenant switches and outbound calling.
ALTER TABLE tenants ADD COLUMN notify_incoming INTEGER NOT NULL DEFAULT 1;       -- agents see the incoming-call notification
ALTER TABLE tenants ADD COLUMN agent_calls_not_ready INTEGER NOT NULL DEFAULT 0; -- agent-to-agent calls may reach Not Ready agents
ALTER TABLE tenants ADD COLUMN trunk TEXT NOT NULL DEFAULT '';                   -- PJSIP endpoint of the outbound trunk
ALTER TABLE tenants ADD COLUMN caller_id TEXT NOT NULL DEFAULT '';               -- caller id of outbound calls

-- Attached data: up to 10 values per tenant, read from channel variables the IVR sets.
CREATE TABLE call_variables (
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL CHECK (position BETWEEN 1 AND 10),
    key_name  TEXT NOT NULL,
    variable  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, position),
    UNIQUE (tenant_id, variable)
);

-- One row per call, written when it ends.
CREATE TABLE calls (
    id          TEXT PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    direction   TEXT NOT NULL,
    queue_id    INTEGER,            -- no foreign key: a record outlives its queue
    queue_name  TEXT NOT NULL DEFAULT '',
    number      TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL DEFAULT '',
    did         TEXT NOT NULL DEFAULT '',
    arrived_at  TEXT NOT NULL,
    answered_at TEXT NOT NULL DEFAULT '',
    ended_at    TEXT NOT NULL,
    wait_ms     INTEGER NOT NULL,
    talk_ms     INTEGER NOT NULL,
    hold_ms     INTEGER NOT NULL,
    transfers   INTEGER NOT NULL,
    joins       INTEGER NOT NULL,
    end_reason  TEXT NOT NULL
);
CREATE INDEX calls_tenant_arrived ON calls (tenant_id, arrived_at);

-- The agents involved in a call, in order.
CREATE TABLE call_agents (
    call_id    TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    agent_id   INTEGER NOT NULL,
    role       TEXT NOT NULL,
    offered_at TEXT NOT NULL,
    joined_at  TEXT NOT NULL DEFAULT '',
    left_at    TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    PRIMARY KEY (call_id, seq)
);
CREATE INDEX call_agents_agent ON call_agents (agent_id, offered_at);

-- +goose Down
DROP TABLE call_agents;
DROP TABLE calls;
DROP TABLE call_variables;
ALTER TABLE tenants DROP COLUMN caller_id;
ALTER TABLE tenants DROP COLUMN trunk;
ALTER TABLE tenants DROP COLUMN agent_calls_not_ready;
ALTER TABLE tenants DROP COLUMN notify_incoming;

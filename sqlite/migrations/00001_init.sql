-- +goose Up
CREATE TABLE tenants (
    id         INTEGER PRIMARY KEY,
    domain     TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE agents (
    id             INTEGER PRIMARY KEY,
    tenant_id      INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    username       TEXT NOT NULL COLLATE NOCASE,
    name           TEXT NOT NULL,
    extension      TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL DEFAULT 'agent' CHECK (role IN ('agent', 'supervisor', 'admin')),
    wrapup_seconds INTEGER NOT NULL DEFAULT 0 CHECK (wrapup_seconds >= 0),
    UNIQUE (tenant_id, username),
    UNIQUE (tenant_id, extension)
);

CREATE TABLE queues (
    id           INTEGER PRIMARY KEY,
    tenant_id    INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    ring_seconds INTEGER NOT NULL DEFAULT 20 CHECK (ring_seconds > 0),
    moh_class    TEXT NOT NULL DEFAULT 'default',
    UNIQUE (tenant_id, name)
);

-- A DID (the number customers dial) belongs to exactly one queue of one tenant.
CREATE TABLE queue_dids (
    did      TEXT PRIMARY KEY,
    queue_id INTEGER NOT NULL REFERENCES queues(id) ON DELETE CASCADE
);

CREATE TABLE queue_members (
    queue_id INTEGER NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    skill    INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (queue_id, agent_id)
);

-- +goose Down
DROP TABLE queue_members;
DROP TABLE queue_dids;
DROP TABLE queues;
DROP TABLE agents;
DROP TABLE tenants;

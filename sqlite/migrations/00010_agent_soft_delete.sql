-- +goose NO TRANSACTION
-- Deleting an agent keeps their row: their state log, call records and
-- reports outlive them. A deleted agent has deleted_at set; their username
-- and extension are free for a new agent, so the two must be unique among
-- the agents who are not deleted only. SQLite cannot drop a table's UNIQUE
-- constraints, so the table is built anew (sqlite.org/lang_altertable.html,
-- "other kinds of table schema changes"). Foreign keys are off meanwhile:
-- dropping the old table would otherwise delete, by ON DELETE CASCADE,
-- every row of agent_state_log and queue_members. goose runs a migration
-- without a transaction on one connection, so the pragma and the
-- transaction below hold for all of it.

-- +goose Up
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE agents_new (
    id             INTEGER PRIMARY KEY,
    tenant_id      INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    username       TEXT NOT NULL COLLATE NOCASE,
    name           TEXT NOT NULL,
    extension      TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL DEFAULT 'agent' CHECK (role IN ('agent', 'supervisor', 'admin')),
    wrapup_seconds INTEGER NOT NULL DEFAULT 0 CHECK (wrapup_seconds >= 0),
    team           TEXT NOT NULL DEFAULT '',
    deleted_at     TEXT NOT NULL DEFAULT '' -- when the agent was deleted (UTC), '' while they exist
);
INSERT INTO agents_new (id, tenant_id, username, name, extension, password_hash, role, wrapup_seconds, team)
    SELECT id, tenant_id, username, name, extension, password_hash, role, wrapup_seconds, team FROM agents;
DROP TABLE agents;
ALTER TABLE agents_new RENAME TO agents;
CREATE UNIQUE INDEX agents_username ON agents (tenant_id, username) WHERE deleted_at = '';
CREATE UNIQUE INDEX agents_extension ON agents (tenant_id, extension) WHERE deleted_at = '';
-- a tenant's agents, the deleted ones included (reports read them all)
CREATE INDEX agents_tenant ON agents (tenant_id, deleted_at);
COMMIT;
PRAGMA foreign_keys = ON;

-- +goose Down
-- Deleted agents go for good, with their state log.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
DELETE FROM agent_state_log WHERE agent_id IN (SELECT id FROM agents WHERE deleted_at != '');
DELETE FROM queue_members WHERE agent_id IN (SELECT id FROM agents WHERE deleted_at != '');
CREATE TABLE agents_old (
    id             INTEGER PRIMARY KEY,
    tenant_id      INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    username       TEXT NOT NULL COLLATE NOCASE,
    name           TEXT NOT NULL,
    extension      TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL DEFAULT 'agent' CHECK (role IN ('agent', 'supervisor', 'admin')),
    wrapup_seconds INTEGER NOT NULL DEFAULT 0 CHECK (wrapup_seconds >= 0),
    team           TEXT NOT NULL DEFAULT '',
    UNIQUE (tenant_id, username),
    UNIQUE (tenant_id, extension)
);
INSERT INTO agents_old (id, tenant_id, username, name, extension, password_hash, role, wrapup_seconds, team)
    SELECT id, tenant_id, username, name, extension, password_hash, role, wrapup_seconds, team FROM agents WHERE deleted_at = '';
DROP TABLE agents;
ALTER TABLE agents_old RENAME TO agents;
COMMIT;
PRAGMA foreign_keys = ON;

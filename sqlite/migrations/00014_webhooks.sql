-- +goose Up
-- Webhooks: the endpoints a tenant's admin registered, and the outbox of
-- deliveries to them (rows written in the same transaction as the facts they
-- report; a sender posts them and keeps their state).
CREATE TABLE webhooks (
    id         INTEGER PRIMARY KEY,
    tenant_id  INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    events     TEXT NOT NULL,            -- the event types it wants, separated by spaces
    active     INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE INDEX webhooks_tenant ON webhooks (tenant_id, id);

CREATE TABLE webhook_deliveries (
    id          INTEGER PRIMARY KEY,     -- the outbox's order: a key's deliveries go in it
    webhook_id  INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    tenant_id   INTEGER NOT NULL,
    event_id    TEXT NOT NULL,           -- the same for every webhook and attempt
    type        TEXT NOT NULL,
    order_key   TEXT NOT NULL,           -- call:<id>, agent:<id>, test:<event id>
    body        BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending', -- pending, delivered, failed
    next_at     TEXT,                    -- a pending delivery's next try; NULL while an earlier one of its key is pending
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_at     TEXT NOT NULL DEFAULT '',
    last_status INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT ''
);
-- the sender's two questions: what is due, and what waits behind a key's head
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE state = 'pending' AND next_at IS NOT NULL;
CREATE INDEX webhook_deliveries_key ON webhook_deliveries (webhook_id, order_key, id) WHERE state = 'pending';
-- the admin page's last deliveries, and pruning
CREATE INDEX webhook_deliveries_recent ON webhook_deliveries (webhook_id, id);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;

-- +goose Up
-- The numbers (DIDs) the operator assigned to each tenant: a tenant's queues
-- ring only its own numbers, and a number belongs to one tenant at most.
CREATE TABLE tenant_dids (
    did       TEXT PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE
);
CREATE INDEX tenant_dids_tenant ON tenant_dids (tenant_id);
-- Every number a queue rings today is its tenant's.
INSERT INTO tenant_dids (did, tenant_id)
SELECT d.did, q.tenant_id FROM queue_dids d JOIN queues q ON q.id = d.queue_id;

-- +goose Down
DROP TABLE tenant_dids;

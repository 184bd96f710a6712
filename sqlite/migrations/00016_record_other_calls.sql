-- +goose Up
-- Calls that come through no queue (an agent's outbound calls, calls between
-- agents) are recorded as the tenant says: never, always or on demand.
ALTER TABLE tenants ADD COLUMN record_other TEXT NOT NULL DEFAULT 'never' CHECK (record_other IN ('never', 'always', 'demand'));

-- +goose Down
ALTER TABLE tenants DROP COLUMN record_other;

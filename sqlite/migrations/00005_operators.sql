-- +goose Up
-- Operators (super admins) run the VM: they create tenants. Not tied to a tenant.
CREATE TABLE operators (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL
);

-- +goose Down
DROP TABLE operators;

-- +goose Up
-- The team an agent belongs to (free text, e.g. "Sales North"; '' for none).
ALTER TABLE agents ADD COLUMN team TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE agents DROP COLUMN team;

-- +goose Up
-- The screen pop: the URL template the agent page opens for a call, and when.
ALTER TABLE tenants ADD COLUMN screen_pop_url TEXT NOT NULL DEFAULT '';       -- "" for none
ALTER TABLE tenants ADD COLUMN screen_pop_on TEXT NOT NULL DEFAULT 'answer'; -- answer or offer

-- +goose Down
ALTER TABLE tenants DROP COLUMN screen_pop_on;
ALTER TABLE tenants DROP COLUMN screen_pop_url;

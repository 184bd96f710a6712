-- +goose Up
-- A caller may now also overflow to voicemail: the column's CHECK is part of
-- the column, so the column is made again with the wider one.
ALTER TABLE queues ADD COLUMN overflow_action TEXT NOT NULL DEFAULT 'hangup'
    CHECK (overflow_action IN ('hangup', 'queue', 'extension', 'voicemail'));
UPDATE queues SET overflow_action = overflow;
ALTER TABLE queues DROP COLUMN overflow;
ALTER TABLE queues RENAME COLUMN overflow_action TO overflow;

-- +goose Down
UPDATE queues SET overflow = 'hangup' WHERE overflow = 'voicemail';
ALTER TABLE queues ADD COLUMN overflow_action TEXT NOT NULL DEFAULT 'hangup'
    CHECK (overflow_action IN ('hangup', 'queue', 'extension'));
UPDATE queues SET overflow_action = overflow;
ALTER TABLE queues DROP COLUMN overflow;
ALTER TABLE queues RENAME COLUMN overflow_action TO overflow;

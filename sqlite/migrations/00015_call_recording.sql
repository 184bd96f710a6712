-- +goose Up
-- Call recording: each queue says when its calls are recorded; a call's
-- record names its recording (a row of recordings), says whether one failed
-- to start, and keeps the pauses (who paused it, when, until when).
ALTER TABLE queues ADD COLUMN record TEXT NOT NULL DEFAULT 'never' CHECK (record IN ('never', 'always', 'demand'));
ALTER TABLE calls ADD COLUMN recording_id TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN recording_failed INTEGER NOT NULL DEFAULT 0;
CREATE TABLE recording_pauses (
    call_id    TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    agent_id   INTEGER NOT NULL,
    paused_at  TEXT NOT NULL,
    resumed_at TEXT NOT NULL DEFAULT '',   -- '' if still paused when the call ended
    PRIMARY KEY (call_id, seq)
);
CREATE INDEX recordings_call ON recordings (call_id) WHERE kind = 'call';

-- +goose Down
DROP INDEX recordings_call;
DROP TABLE recording_pauses;
ALTER TABLE calls DROP COLUMN recording_failed;
ALTER TABLE calls DROP COLUMN recording_id;
ALTER TABLE queues DROP COLUMN record;

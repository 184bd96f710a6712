-- +goose Up
-- Recordings the contact center keeps in Asterisk (voicemails, call
-- recordings): the file is Asterisk's, named by id; the row says whose it
-- is. A tenant's are deleted after its retention.
ALTER TABLE tenants ADD COLUMN recording_retention_days INTEGER NOT NULL DEFAULT 30
    CHECK (recording_retention_days BETWEEN 1 AND 3650);

CREATE TABLE recordings (
    id         TEXT PRIMARY KEY,        -- also the stored recording's name in Asterisk
    tenant_id  INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('voicemail', 'call')),
    call_id    TEXT NOT NULL DEFAULT '',
    format     TEXT NOT NULL,
    seconds    INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX recordings_tenant_created ON recordings (tenant_id, created_at);

-- +goose Down
DROP TABLE recordings;
ALTER TABLE tenants DROP COLUMN recording_retention_days;

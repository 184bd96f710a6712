package ccaas

import (
	"context"
	"time"
)

// RecordingID names a stored recording. It is also the recording's name in
// Asterisk (its file in Asterisk's recordings directory), so it is made
// only by the app, of letters, digits and "-".
type RecordingID string

// Recording is an audio recording the contact center keeps in Asterisk: a
// caller's voicemail, or a call's recording.
type Recording struct {
	ID      RecordingID
	Tenant  TenantID
	Kind    string // RecordingVoicemail or RecordingCall
	Call    CallID // the call it was made on
	Format  string // the file's format as Asterisk names it, e.g. "wav"
	Seconds int    // its length, whole seconds
	Created time.Time
}

// Kinds of recordings.
const (
	RecordingVoicemail = "voicemail"
	RecordingCall      = "call"
)

// Retention of recordings: a tenant's are deleted this many days after they
// were made (Settings.RecordingRetentionDays).
const (
	DefaultRecordingRetentionDays = 30
	MaxRecordingRetentionDays     = 3650
)

// RecordingStore keeps the recordings' records; the files are Asterisk's.
type RecordingStore interface {
	// AddRecording keeps a recording's record.
	AddRecording(ctx context.Context, r Recording) error
	// Recording finds one of a tenant's recordings (another tenant's is
	// ErrNotFound).
	Recording(ctx context.Context, tenant TenantID, id RecordingID) (Recording, error)
	// ExpiredRecordings lists up to limit recordings of every tenant that
	// are older at now than their tenant's retention, oldest first.
	ExpiredRecordings(ctx context.Context, now time.Time, limit int) ([]Recording, error)
	// DeleteRecordings forgets a tenant's recordings (those already gone
	// are no error).
	DeleteRecordings(ctx context.Context, tenant TenantID, ids []RecordingID) error
}

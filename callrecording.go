package ccaas

import "time"

// Call recording: Asterisk records the call's bridge (so holds, transfers
// and conferences stay in one recording per call); the agent may pause it
// while a card number is read out (PCI DSS), and the gaps are kept with the
// call's record.

// When a queue's calls are recorded (Queue.Record).
const (
	RecordNever    = "never"
	RecordAlways   = "always" // from the moment the first agent answers
	RecordOnDemand = "demand" // when an agent on the call starts it
)

// RecordModes are the values of Queue.Record, in the order forms list them.
var RecordModes = []string{RecordNever, RecordAlways, RecordOnDemand}

// RecordingPause is a gap in a call's recording: who paused it, when, and
// when it went on (zero: it was still paused when the call ended).
type RecordingPause struct {
	Agent   AgentID
	Paused  time.Time
	Resumed time.Time
}

// CallRecordingRow is a recorded call as the reports list it: the call, its
// recording, and the agents on it (for the supervisors' teams).
type CallRecordingRow struct {
	Call      CallRecord
	Recording Recording
}

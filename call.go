package ccaas

import "time"

// CallID names a call.
type CallID string

// CallRecord is what is kept of a call when it ends.
type CallRecord struct {
	ID        CallID
	Tenant    TenantID
	Direction string // DirInbound, DirOutbound or DirInternal
	Queue     QueueID
	QueueName string
	Number    string // the caller's number (inbound) or the number dialled
	Name      string
	DID       string
	Arrived   time.Time // when the call began
	Answered  time.Time // zero if no agent ever talked
	Ended     time.Time
	Wait      time.Duration // until answered, or until it ended unanswered
	Talk      time.Duration // answered until ended, without hold time
	Hold      time.Duration
	Transfers int
	Joins     int    // agents who joined by conference
	EndReason string // one of the End constants
	Agents    []CallAgent
	// Dispositions are the agents' wrapup codes and notes of the call. They
	// are stored apart (an agent gives theirs during the call or in the
	// wrapup after it) and filled in when a record is read back.
	Dispositions []Disposition
	// Recording is the call's recording ("" if none was made);
	// RecordingSeconds its length, without the pauses; RecordingFailed: a
	// recording should have been made but Asterisk could not start it.
	Recording        RecordingID
	RecordingSeconds int
	RecordingPauses  []RecordingPause
	RecordingFailed  bool
	// Estimate is the wait the caller was told (or would have been) as
	// they entered their first queue; Estimated is false when there was
	// none (nobody worked in the queue).
	Estimate  time.Duration
	Estimated bool
}

// CallAgent is one agent's part in a call.
type CallAgent struct {
	Agent   AgentID
	Role    string // one of the Part constants
	Offered time.Time
	Joined  time.Time // zero if they never joined
	Left    time.Time
	Hold    time.Duration // the call's hold time while they were on it
	Outcome string        // why their part ended: one of the End constants
}

// Call directions.
const (
	DirInbound   = "inbound"   // a customer called
	DirOutbound  = "outbound"  // an agent dialled a number out through the trunk
	DirInternal  = "internal"  // an agent called another agent's extension
	DirCallback  = "callback"  // the app dialled a customer who asked a queue to call them back
	DirVoicemail = "voicemail" // a message a caller left for a queue, handled by an agent
)

// End reasons: why a call, or one agent's part in it, ended
// (docs/cti-protocol.md lists them for the browser).
const (
	EndCallerHangup = "caller_hangup" // the customer hung up: the call ends for everyone
	EndAgentHangup  = "agent_hangup"  // the last agent hung up
	EndWithdrawn    = "withdrawn"     // the offer was taken back (ring time over, the agent left)
	EndFailed       = "failed"        // the call could not be connected
	EndTransferred  = "transferred"   // the agent transferred the call
	EndLeft         = "left"          // the agent left; the others go on
	EndBusy         = "busy"          // the number or agent dialled was busy
	EndNoAnswer     = "no_answer"     // the number or agent dialled did not answer
	EndMaxWait      = "max_wait"      // the queue's maximum wait ended the call
	// EndConsultEnded: the agent who consulted this one went back to their
	// caller (the consultation was cancelled).
	EndConsultEnded = "consult_ended"
	EndClosed       = "closed"    // the queue was closed: the caller heard so and was hung up
	EndCallback     = "callback"  // the caller asked to be called back and hung up (a callback keeps their place)
	EndVoicemail    = "voicemail" // the caller left a message
)

// Parts an agent can have in a call (CallAgent.Role).
const (
	PartAnswer     = "answer"     // offered the call by the queue or to their extension
	PartTransfer   = "transfer"   // the target of a blind transfer
	PartConference = "conference" // added to the call by another agent
	PartDialer     = "dialer"     // placed the call
	PartCallee     = "callee"     // called by another agent
	PartConsult    = "consult"    // consulted by another agent about their caller (attended transfer)
)

// RecentCall is one line of an agent's own call list.
type RecentCall struct {
	At        time.Time `json:"at"`
	Number    string    `json:"number"`
	Name      string    `json:"name"`
	Direction string    `json:"direction"`
	Seconds   int       `json:"seconds"` // how long the agent was on it (0: they did not answer)
	Outcome   string    `json:"outcome"`
	Code      string    `json:"code"` // the wrapup code the agent gave ("" for none)
	Note      string    `json:"note"` // the note the agent gave ("" for none)
}

// Disposition is what an agent recorded of their part in a call: one of
// the wrapup codes of the call's queue (or none) and a note in plain text.
// An agent has at most one per call; giving another replaces it.
type Disposition struct {
	Tenant TenantID
	Call   CallID
	Agent  AgentID
	Queue  QueueID // the queue whose code it is (0: a call without one)
	Code   string  // "" for none
	Note   string  // "" for none
	At     time.Time
}

// MaxNoteLength is how many characters a disposition's note may have.
const MaxNoteLength = 2000

package cti

import (
	"time"

	"github.com/ccaas/ccaas"
)

// The customer's side of a queue in the protocol: the tasks a queue offers
// besides calls (a callback, a voicemail) and what a supervisor sees of
// opening hours, estimated waits, callbacks and voicemails.

// CmdCallback calls back the caller of the voicemail the agent handles,
// through the tenant's trunk (the call's id in Call).
const CmdCallback = "callback"

// CallbackView is the callback a call carries (direction "callback"): the
// app dials the customer once the agent answers.
type CallbackView struct {
	RequestedAt time.Time `json:"requestedAt"`
	Attempt     int       `json:"attempt"`  // this dial's number, 1 for the first
	Attempts    int       `json:"attempts"` // at most this many
}

// VoicemailView is the message a call carries (direction "voicemail"): its
// audio is at URL (GET /api/recordings/{id}); empty once the retention
// deleted it.
type VoicemailView struct {
	ID        ccaas.VoicemailID `json:"id"`
	Recording string            `json:"recording"`
	URL       string            `json:"url"`
	Seconds   int               `json:"seconds"`
	LeftAt    time.Time         `json:"leftAt"`
	// CalledBack: the agent called the caller back and reached them; the
	// call is a conversation with them from then on.
	CalledBack bool `json:"calledBack"`
}

// HoursView is whether a queue is open now, and until when (nil: no change
// within a year, e.g. a queue open all week).
type HoursView struct {
	Open  bool       `json:"open"`
	Until *time.Time `json:"until"`
}

// TeamVoicemailView is a voicemail nobody has closed yet, in a supervisor's
// list.
type TeamVoicemailView struct {
	ID      ccaas.VoicemailID `json:"id"`
	Queue   string            `json:"queue"`
	Caller  CallerView        `json:"caller"`
	LeftAt  time.Time         `json:"leftAt"`
	Seconds int               `json:"seconds"`
	URL     string            `json:"url"` // its audio, "" once deleted
	// Agent names the agent being offered it or handling it ("": it waits).
	Agent string `json:"agent"`
}

package ccaas

import (
	"context"
	"time"
)

// WaitingRules are what a queue's callers get besides music on hold: its
// opening hours and what a caller hears when it is closed, the estimated
// wait, callbacks that keep their place, and voicemail.
type WaitingRules struct {
	// Hours is the weekly schedule and HoursExceptions its dated
	// exceptions, in the text form of package hours, read in the tenant's
	// time zone; both empty: open all week.
	Hours           string `db:"hours"`
	HoursExceptions string `db:"hours_exceptions"`
	// ClosedAction is what a caller gets while the queue is closed: hangup
	// (a message, then goodbye), voicemail, queue or extension (as the
	// overflow), with ClosedTarget (the other queue's id, the extension).
	ClosedAction string `db:"closed_action"`
	ClosedTarget string `db:"closed_target"`
	// AnnounceEstimate: callers hear their estimated wait as they enter,
	// and with the position announcements.
	AnnounceEstimate bool `db:"announce_estimate"`
	// A callback is offered ("press 1") once a caller has waited
	// CallbackAfterSeconds, or at once when their estimated wait exceeds
	// CallbackAboveSeconds (0: not for that reason; both 0: never).
	CallbackAfterSeconds int `db:"callback_after_seconds"`
	CallbackAboveSeconds int `db:"callback_above_seconds"`
	// A customer who does not answer a callback (or is busy) is dialled
	// again after CallbackRetrySeconds, CallbackAttempts times in all.
	CallbackAttempts     int `db:"callback_attempts"`
	CallbackRetrySeconds int `db:"callback_retry_seconds"`
	// VoicemailKey: a waiting caller may press 2 to leave a message instead;
	// messages last at most VoicemailMaxSeconds.
	VoicemailKey        bool `db:"voicemail_key"`
	VoicemailMaxSeconds int  `db:"voicemail_max_seconds"`
}

// Defaults of a new queue's waiting rules.
const (
	DefaultCallbackAttempts     = 3
	DefaultCallbackRetrySeconds = 300
	DefaultVoicemailMaxSeconds  = 120
)

// OverflowVoicemail sends a caller to leave a message (after the maximum
// wait, or while the queue is closed).
const OverflowVoicemail = "voicemail"

// OffersCallback reports whether the queue ever offers callers a callback.
func (w WaitingRules) OffersCallback() bool {
	return w.CallbackAfterSeconds > 0 || w.CallbackAboveSeconds > 0
}

// DataItem is one item of a call's attached data as the IVR set it: the
// name agents see and its value, kept with a callback or a voicemail.
type DataItem struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// CallbackID names a callback; it is also the id of the call that carries
// it to the agents (the callback's call record).
type CallbackID string

// Callback is a caller's request to be called back, keeping their place:
// it waits in its queue with the caller's arrival time until an agent takes
// it and the app dials the customer.
type Callback struct {
	ID        CallbackID
	Tenant    TenantID
	Queue     QueueID
	QueueName string
	Call      CallID // the call on which the caller asked
	Number    string // whom to dial
	Name      string
	Data      []DataItem
	Arrived   time.Time // the call's arrival: the callback's place in the queue
	Requested time.Time
	State     string // a Callback state
	Attempts  int    // dials so far
	// NextAt: a retry waits until then (zero: it may be offered now).
	NextAt       time.Time
	FirstDialled time.Time // the first dial (zero: none yet)
	Reached      time.Time // the customer answered (zero: not yet, or never)
	Ended        time.Time
	Agent        AgentID // the agent of the last attempt
}

// Callback states.
const (
	CallbackWaiting   = "waiting"   // in its queue, or waiting to be dialled again
	CallbackReached   = "reached"   // an agent talked to the customer
	CallbackFailed    = "failed"    // every attempt went unanswered, or the number failed
	CallbackCancelled = "cancelled" // its queue was removed
)

// VoicemailID names a voicemail.
type VoicemailID string

// Voicemail is a message a caller left for a queue: a task of the queue,
// offered to its agents in turn until one closes it.
type Voicemail struct {
	ID        VoicemailID
	Tenant    TenantID
	Queue     QueueID
	QueueName string
	Call      CallID // the call on which it was left
	Number    string // the caller's
	Name      string
	Data      []DataItem
	Arrived   time.Time // the call's arrival: the message's place in the queue
	Left      time.Time
	Recording RecordingID // "" once the retention deleted it
	Seconds   int
	State     string // a Voicemail state
	Agent     AgentID
	Closed    time.Time
}

// Voicemail states.
const (
	VoicemailNew        = "new"         // waits for an agent
	VoicemailClosed     = "closed"      // an agent listened and closed it
	VoicemailCalledBack = "called_back" // an agent called the customer back and reached them
	VoicemailExpired    = "expired"     // deleted after the tenant's retention before anyone closed it
)

// WaitingStore keeps callbacks and voicemails: rows, so that they survive a
// restart, written before the caller hears they were taken.
type WaitingStore interface {
	CreateCallback(ctx context.Context, cb Callback) error
	UpdateCallback(ctx context.Context, cb Callback) error
	// OpenCallbacks are a tenant's callbacks still waiting, oldest first.
	OpenCallbacks(ctx context.Context, tenant TenantID) ([]Callback, error)
	// CreateVoicemail keeps a voicemail and its recording, in one transaction.
	CreateVoicemail(ctx context.Context, vm Voicemail, rec Recording) error
	UpdateVoicemail(ctx context.Context, vm Voicemail) error
	// OpenVoicemails are a tenant's voicemails nobody closed, oldest first.
	OpenVoicemails(ctx context.Context, tenant TenantID) ([]Voicemail, error)
}

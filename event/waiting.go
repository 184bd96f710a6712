package event

import (
	"time"

	"github.com/ccaas/ccaas"
)

// The customer's side of a queue: opening hours, keys pressed to leave the
// queue, callbacks and voicemails.

// QueueHoursChanged: a queue opened or closed by its opening hours (Until:
// the next change, zero if none within a year). Also sent for every queue
// when the configuration changes.
type QueueHoursChanged struct {
	At    time.Time
	Queue ccaas.QueueID
	Open  bool
	Until time.Time
}

// CallArrivedClosed: a call reached a queue while it was closed and gets
// the queue's closed action (a ccaas.Overflow constant) instead of waiting.
type CallArrivedClosed struct {
	At        time.Time
	Call      ccaas.CallID
	Queue     ccaas.QueueID
	QueueName string
	Action    string
}

// CallLeftWithKey: a waiting caller pressed a key to leave the queue: 1 for
// a callback, 2 to leave a message (app_queue's EXITWITHKEY).
type CallLeftWithKey struct {
	At       time.Time
	Call     ccaas.CallID
	Key      string
	Position int
}

// CallbackQueued: a callback waits in its queue for an agent: just asked
// for, again after an attempt that did not reach the customer, or found
// at start.
type CallbackQueued struct {
	At       time.Time
	Callback ccaas.Callback
}

// CallbackDialled: the agent who took a callback answered it; the app dials
// the customer (Attempt: 1 for the first dial).
type CallbackDialled struct {
	At       time.Time
	Callback ccaas.CallbackID
	Queue    ccaas.QueueID
	Agent    ccaas.AgentID
	Attempt  int
}

// CallbackEnded: a callback is done (State reached, failed or cancelled),
// or an attempt failed and it waits to be dialled again (State waiting,
// Retry when).
type CallbackEnded struct {
	At       time.Time
	Callback ccaas.Callback
	Retry    time.Time
}

// VoicemailLeft: a caller's message is stored and waits in its queue (also
// a message found at start).
type VoicemailLeft struct {
	At        time.Time
	Voicemail ccaas.Voicemail
}

// VoicemailFailed: a caller's message could not be recorded (Cause says
// why); the caller went back to the queue.
type VoicemailFailed struct {
	At    time.Time
	Call  ccaas.CallID
	Queue ccaas.QueueID
	Cause string
}

// VoicemailClosed: an agent closed a voicemail (State closed or
// called_back), or it expired (its recording was deleted).
type VoicemailClosed struct {
	At        time.Time
	Voicemail ccaas.Voicemail
}

func (QueueHoursChanged) event() {}
func (CallArrivedClosed) event() {}
func (CallLeftWithKey) event()   {}
func (CallbackQueued) event()    {}
func (CallbackDialled) event()   {}
func (CallbackEnded) event()     {}
func (VoicemailLeft) event()     {}
func (VoicemailFailed) event()   {}
func (VoicemailClosed) event()   {}

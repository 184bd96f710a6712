// Package event is what happens in a tenant, as its event loop records it:
// plain data in the past tense.
//
// The loop (package app) handles one input at a time: an ARI event, an
// agent's command, a timer. While it does, call control appends what
// happened to a list, in order; after the input every projection reads the
// list and keeps its own state: the queue_log (package queuelog), the team
// view and the day's figures, the figures /metrics shows, and the recorder
// of call records and the agent-state log. Call control never calls a
// projection, and a projection is tested from a list of events alone.
package event

import (
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/wrapup"
)

// Event is one of the types below.
type Event interface{ event() }

// Configured: the tenant's configuration, when its loop starts and after
// every change (an admin's edit), after the change took effect: calls of
// a removed queue have ended, removed agents are logged out.
type Configured struct {
	At     time.Time
	Config ccaas.TenantConfig
}

// AgentChanged: an agent's state changed (wrapup.Machine made the
// transition).
type AgentChanged struct {
	Agent    ccaas.AgentID
	Username string
	wrapup.Transition
	// Call is the call the change belongs to: the one offered or talked on,
	// or the one a wrapup follows; "" if none.
	Call ccaas.CallID
	// Queue is that call's queue (0 if it came through none).
	Queue ccaas.QueueID
	// By is the supervisor who made the change; "" for the agent or the system.
	By string
}

// LineChanged: an agent's persistent line went down, is being set up, waits
// for the phone, or is up.
type LineChanged struct {
	At    time.Time
	Agent ccaas.AgentID
	State string
}

// Agent is an agent's part in a call, as the call events name it.
type Agent struct {
	ID       ccaas.AgentID
	Username string
	Part     string // one of the ccaas.Part constants
	// ByQueue: the queue offered the call to this agent through its routing
	// (not a transfer, a conference, an extension or an overflow to one).
	ByQueue bool
}

// CallQueued: a call entered a queue (from its DID, by overflow from
// another queue) or went back to the head of the one it is in (its agent
// did not answer, was lost, or a transfer was not answered).
type CallQueued struct {
	At        time.Time
	Call      ccaas.CallID
	Queue     ccaas.QueueID
	QueueName string
	Number    string // the caller's
	Name      string
	Position  int       // its place in the queue, 1 at the head
	Entered   time.Time // when it entered this queue; its wait there counts from here
}

// CallDialled: an agent placed a call, out through the trunk or to another
// agent's extension (Internal); the agent is on it from now on.
type CallDialled struct {
	At       time.Time
	Call     ccaas.CallID
	Agent    ccaas.AgentID
	Number   string
	Internal bool
}

// CallOffered: an agent is being rung for a call.
type CallOffered struct {
	At   time.Time
	Call ccaas.CallID
	Agent
}

// CallConnected: an agent's line is in the call's bridge.
type CallConnected struct {
	At   time.Time
	Call ccaas.CallID
	Agent
	Offered time.Time // when this agent was offered the call
	Line    string    // the agent's line channel
}

// OfferMissed: an agent let an offer ring out (the agent's state change to
// Not Ready follows).
type OfferMissed struct {
	At   time.Time
	Call ccaas.CallID
	Agent
	Ring time.Duration // how long it rang
}

// AgentLeftCall: an agent's part in a call ended, for Reason (a ccaas.End
// constant): they hung up, left a conference, transferred it, the offer was
// withdrawn, their line was lost, the call ended.
type AgentLeftCall struct {
	At   time.Time
	Call ccaas.CallID
	Agent
	Reason string
}

// CallTransferred: an agent handed the call blind to the agent of an
// extension, or to another queue of the tenant (To 0, Queue set: the
// call's CallQueued follows); the transferring agent leaves it next.
type CallTransferred struct {
	At        time.Time
	Call      ccaas.CallID
	From      ccaas.AgentID
	To        ccaas.AgentID
	Extension string
	Queue     ccaas.QueueID // the queue it was transferred to (0: to an agent)
	QueueName string
}

// ConsultStarted: an agent put their customer on hold to consult the agent
// of an extension (the first step of an attended transfer); that agent's
// CallOffered follows.
type ConsultStarted struct {
	At        time.Time
	Call      ccaas.CallID
	From      ccaas.AgentID // the agent consulting
	To        ccaas.AgentID // the colleague consulted
	Extension string
}

// ConsultEnded: the consultation is over, for Outcome (one of the Consult
// constants). When it completed, the customer joined the colleague in
// Bridge and the consulting agent leaves the call next.
type ConsultEnded struct {
	At      time.Time
	Call    ccaas.CallID
	From    ccaas.AgentID
	To      ccaas.AgentID
	Outcome string
	Bridge  string // the bridge the customer joined (completed)
}

// How a consultation ended (ConsultEnded.Outcome).
const (
	ConsultCompleted    = "completed"     // the customer went to the colleague (attended transfer)
	ConsultConference   = "conference"    // the customer joined the two agents
	ConsultCancelled    = "cancelled"     // the consulting agent went back to the customer
	ConsultNoAnswer     = "no_answer"     // the colleague did not answer
	ConsultLeft         = "left"          // the colleague hung up or was lost
	ConsultCustomerLeft = "customer_left" // the customer hung up on hold
	ConsultAgentLost    = "agent_lost"    // the consulting agent was lost before the colleague answered
	ConsultBlind        = "blind"         // the consulting agent hung up while the colleague's phone rang: a blind transfer
)

// DispositionGiven: an agent gave (or gave again) their wrapup code and
// note of a call.
type DispositionGiven struct {
	At          time.Time
	Disposition ccaas.Disposition
}

// CallHeld and CallResumed: the customer went on hold (music) and came back.
type (
	CallHeld struct {
		At   time.Time
		Call ccaas.CallID
	}
	CallResumed struct {
		At   time.Time
		Call ccaas.CallID
	}
)

// CallAbandoned: the caller hung up while waiting in a queue or while the
// queue rang an agent for them (the call's end follows).
type CallAbandoned struct {
	At       time.Time
	Call     ccaas.CallID
	Position int
}

// CallTimedOut: the call waited its queue's maximum wait and leaves the
// queue: for another queue, an extension, or a goodbye.
type CallTimedOut struct {
	At       time.Time
	Call     ccaas.CallID
	Position int
}

// Why a caller was refused at the door (CallRefused.Reason).
const (
	RefusedNode   = "node"   // this ccaas had as many calls as Config.MaxCalls allows
	RefusedTenant = "tenant" // the tenant had as many calls as Config.MaxTenantCalls allows
)

// CallRefused: a caller was turned away as they arrived, before anything
// was done for them (Asterisk gives them busy), because the contact center
// was at its limit of concurrent calls. No call was made of it: it is no
// call record, and reports do not count it.
type CallRefused struct {
	At        time.Time
	Queue     ccaas.QueueID
	QueueName string
	Number    string // the caller's
	Reason    string // RefusedNode or RefusedTenant
}

// CallEnded: the call is over for everyone (a goodbye may still be playing
// to the caller); Record is what is kept of it.
type CallEnded struct {
	At       time.Time
	Call     ccaas.CallID
	Reason   string // a ccaas.End constant
	Position int    // its place in its queue if it was still waiting there
	Record   ccaas.CallRecord
}

func (Configured) event()       {}
func (AgentChanged) event()     {}
func (LineChanged) event()      {}
func (CallQueued) event()       {}
func (CallRefused) event()      {}
func (CallDialled) event()      {}
func (CallOffered) event()      {}
func (CallConnected) event()    {}
func (OfferMissed) event()      {}
func (AgentLeftCall) event()    {}
func (CallTransferred) event()  {}
func (CallHeld) event()         {}
func (CallResumed) event()      {}
func (CallAbandoned) event()    {}
func (CallTimedOut) event()     {}
func (CallEnded) event()        {}
func (ConsultStarted) event()   {}
func (ConsultEnded) event()     {}
func (DispositionGiven) event() {}

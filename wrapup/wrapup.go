// Package wrapup is the agent state machine: Logged out, Not Ready, Ready,
// Offered, Connecting, Talking and Wrapup. It is pure logic: no goroutines,
// no I/O, no clock of its own (callers pass the time in).
package wrapup

import (
	"errors"
	"fmt"
	"time"
)

// State is where an agent is.
type State int

// The agent states.
const (
	LoggedOut State = iota
	NotReady
	Ready
	Offered
	Connecting
	Talking
	Wrapup
)

var stateNames = [...]string{
	LoggedOut:  "logged_out",
	NotReady:   "not_ready",
	Ready:      "ready",
	Offered:    "offered",
	Connecting: "connecting",
	Talking:    "talking",
	Wrapup:     "wrapup",
}

// String returns the state's wire name (as in the CTI protocol).
func (s State) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return fmt.Sprintf("state(%d)", int(s))
	}
	return stateNames[s]
}

// Input is what happens to an agent.
type Input int

// The inputs.
const (
	InLogin        Input = iota // the agent logged in
	InReady                     // the agent asks for Ready
	InNotReady                  // the agent asks for Not Ready (with a reason)
	InLogout                    // the agent asks to log out
	InOffer                     // the ACD offers a call
	InWithdraw                  // the offer was taken back (caller gone, or ring time over)
	InAnswer                    // the agent answers the offer
	InConnected                 // the agent's line and the caller are bridged
	InCallEnded                 // the call the agent had is over
	InForceLogout               // the session ended (socket closed, second login): always allowed
	InRingNoAnswer              // the offer was not answered in the ring time
)

var inputNames = [...]string{
	InLogin:        "login",
	InReady:        "ready",
	InNotReady:     "not ready",
	InLogout:       "logout",
	InOffer:        "offer",
	InWithdraw:     "withdraw",
	InAnswer:       "answer",
	InConnected:    "connected",
	InCallEnded:    "call ended",
	InForceLogout:  "forced logout",
	InRingNoAnswer: "ring no answer",
}

func (in Input) String() string {
	if in < 0 || int(in) >= len(inputNames) {
		return fmt.Sprintf("input(%d)", int(in))
	}
	return inputNames[in]
}

// ErrNotAllowed is returned (wrapped) when an input is refused in the current state.
var ErrNotAllowed = errors.New("not allowed")

// Reasons the machine sets by itself.
const (
	ReasonLogin      = "login"
	ReasonBreak      = "break"
	ReasonMissedCall = "missed_call"
)

// Machine is one agent's state. The zero value is a logged-out agent.
type Machine struct {
	state  State
	reason string
	since  time.Time
}

// State returns the current state.
func (m *Machine) State() State { return m.state }

// Reason returns the Not Ready reason (empty in other states).
func (m *Machine) Reason() string { return m.reason }

// Since returns when the current state began.
func (m *Machine) Since() time.Time { return m.since }

// Transition is one change of state, for the state log and the agent's screen.
type Transition struct {
	From, To State
	Reason   string
	At       time.Time
}

// Step applies in at time now. reason is used by InNotReady (default
// ReasonBreak). A refused input changes nothing and returns an error wrapping
// ErrNotAllowed.
func (m *Machine) Step(in Input, reason string, now time.Time) (Transition, error) {
	to, toReason, ok := m.next(in, reason)
	if !ok {
		return Transition{}, fmt.Errorf("%w: %s while %s", ErrNotAllowed, in, m.state)
	}
	t := Transition{From: m.state, To: to, Reason: toReason, At: now}
	m.state, m.reason, m.since = to, toReason, now
	return t, nil
}

// next is the transition table: for each input, the states it is allowed in
// and where it leads.
func (m *Machine) next(in Input, reason string) (State, string, bool) {
	s := m.state
	switch in {
	case InLogin:
		return NotReady, ReasonLogin, s == LoggedOut
	case InReady:
		return Ready, "", s == NotReady
	case InNotReady:
		if reason == "" {
			reason = ReasonBreak
		}
		return NotReady, reason, s == Ready || s == NotReady
	case InLogout:
		return LoggedOut, "", s == Ready || s == NotReady
	case InOffer:
		return Offered, "", s == Ready
	case InWithdraw:
		return Ready, "", s == Offered
	case InAnswer:
		return Connecting, "", s == Offered
	case InConnected:
		return Talking, "", s == Connecting
	case InCallEnded:
		return Ready, "", s == Offered || s == Connecting || s == Talking
	case InForceLogout:
		return LoggedOut, "", s != LoggedOut
	case InRingNoAnswer:
		return NotReady, ReasonMissedCall, s == Offered
	}
	return s, "", false
}

// Busy reports whether the agent has a call or an offer.
func (m *Machine) Busy() bool {
	return m.state == Offered || m.state == Connecting || m.state == Talking
}

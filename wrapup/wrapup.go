// Package wrapup is the agent state machine: Logged out, Not Ready (with a
// reason), Ready, Offered, Connecting, Talking, Wrapup, and Pending Not Ready
// (a "next status" that rides along with Offered, Connecting, Talking and
// Wrapup and applies when the call and its wrapup are over).
//
// It is pure logic: no goroutines, no I/O, no clock of its own. The machine
// keeps its own deadlines (the offer's ring time, the end of wrapup); the
// caller passes the time into every step and calls Advance when a deadline
// may have passed. Because every input first checks the deadlines against
// the time it is given, the outcome of a race (an Answer arriving as the ring
// time runs out, Not Ready asked in the last millisecond of wrapup) depends
// only on the times, never on which timer message was delivered first.
//
// Rules (docs/design.md, Agent states):
//   - Login lands in Not Ready (reason "login"). Ready and Not Ready switch
//     freely; Logout from either, never with a call or an offer or in wrapup.
//   - Only a Ready agent is offered a call. The offer ends by Answer
//     (Connecting, then Talking once bridged), by withdrawal (the caller hung
//     up: back to Ready), or by the ring time running out: Not Ready with
//     reason "missed_call".
//   - When a call ends the agent goes to Wrapup for the given time if it is
//     more than zero (the caller decides: only after an inbound queue call the
//     agent handled), else straight on.
//   - A wrapup may also wait for the agent to give a wrapup code that the
//     call's queue requires (EndCallAwaiting): it does not end at its time
//     then, but when the code is given (CodeGiven), at once if its time is
//     over. Where the tenant allows it, the agent may end a wrapup that
//     waits for nothing before its time (InEndWrapup).
//   - In Wrapup the only request allowed is Not Ready, which becomes Pending
//     Not Ready. Pending Not Ready can also be asked for while Offered,
//     Connecting or Talking, and cancelled until it applies. When the call
//     (and any wrapup) ends, a pending agent lands in Not Ready with the
//     pending reason, any other agent in Ready.
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
func (s State) String() string { return nameOf(stateNames[:], s, "state") }

// nameOf is names[v], or kind(v) for a value that has no name.
func nameOf[T ~int](names []string, v T, kind string) string {
	if v < 0 || int(v) >= len(names) {
		return fmt.Sprintf("%s(%d)", kind, int(v))
	}
	return names[v]
}

// Input is what happens to an agent, for Step.
type Input int

// The inputs of Step. Offer and EndCall have their own methods because they
// carry a time.
const (
	InLogin           Input = iota // the agent logged in
	InReady                        // the agent asks for Ready
	InNotReady                     // the agent asks for Not Ready (with a reason); becomes Pending Not Ready during a call or wrapup
	InCancelPending                // the agent takes back a Pending Not Ready
	InLogout                       // the agent asks to log out
	InWithdraw                     // the offer was taken back before the ring time (the caller hung up)
	InAnswer                       // the agent answers the offer
	InConnected                    // the agent's line and the caller are bridged
	InForceLogout                  // the session ended (socket closed, second login, supervisor): always allowed
	InEndWrapup                    // the agent ends wrapup before its time (where the tenant allows it)
	inOffer                        // through Offer
	inEndCall                      // through EndCall
	inRingNoAnswer                 // through Advance
	inWrapupOver                   // through Advance
	inDial                         // through Dial
	inCodeGiven                    // through CodeGiven
	inCodeNotRequired              // through CodeNotRequired
)

var inputNames = [...]string{
	InLogin:           "login",
	InReady:           "ready",
	InNotReady:        "not ready",
	InCancelPending:   "cancel pending not ready",
	InLogout:          "logout",
	InWithdraw:        "withdraw",
	InAnswer:          "answer",
	InConnected:       "connected",
	InForceLogout:     "forced logout",
	InEndWrapup:       "end wrapup",
	inOffer:           "offer",
	inEndCall:         "call ended",
	inRingNoAnswer:    "ring no answer",
	inWrapupOver:      "wrapup over",
	inDial:            "dial",
	inCodeGiven:       "wrapup code given",
	inCodeNotRequired: "wrapup code no longer required",
}

func (in Input) String() string { return nameOf(inputNames[:], in, "input") }

// Errors. Refusals wrap ErrNotAllowed and say why in words an agent understands.
var (
	ErrNotAllowed = errors.New("not allowed")
	ErrRingOver   = errors.New("the ring time is over")
)

// Reasons the machine sets by itself.
const (
	ReasonLogin      = "login"
	ReasonBreak      = "break"
	ReasonMissedCall = "missed_call"
)

// Machine is one agent's state. The zero value is a logged-out agent.
type Machine struct {
	state    State
	reason   string    // Not Ready reason
	since    time.Time // when state began
	pending  string    // Pending Not Ready reason; "" when none
	deadline time.Time // Offered: end of ring time; Wrapup: end of wrapup
	resume   string    // Not Ready reason to return to after a direct call taken while Not Ready
	awaiting bool      // Wrapup: it waits for a wrapup code, whatever its time
}

// State returns the current state.
func (m *Machine) State() State { return m.state }

// Reason returns the Not Ready reason (empty in other states).
func (m *Machine) Reason() string { return m.reason }

// Since returns when the current state began.
func (m *Machine) Since() time.Time { return m.since }

// Pending returns the Pending Not Ready reason, or "" if none is pending.
func (m *Machine) Pending() string { return m.pending }

// Deadline returns when the machine next changes by itself (end of the ring
// time or of wrapup), if it will: a wrapup that waits for a wrapup code
// does not end by itself.
func (m *Machine) Deadline() (time.Time, bool) {
	if m.state == Offered || m.state == Wrapup && !m.awaiting {
		return m.deadline, true
	}
	return time.Time{}, false
}

// Until returns the end of the ring time or of the wrapup time, for the
// agent's countdown: also while the wrapup waits for a wrapup code, and
// none for a wrapup without a time of its own.
func (m *Machine) Until() (time.Time, bool) {
	if m.state == Offered || m.state == Wrapup && m.deadline.After(m.since) {
		return m.deadline, true
	}
	return time.Time{}, false
}

// Awaiting reports whether the agent's wrapup waits for a wrapup code.
func (m *Machine) Awaiting() bool { return m.state == Wrapup && m.awaiting }

// Busy reports whether the agent has a call, an offer or is in wrapup, when
// no other call may reach them and they may not log out.
func (m *Machine) Busy() bool {
	return m.state == Offered || m.state == Connecting || m.state == Talking || m.state == Wrapup
}

// OnCall reports whether the agent has an offer or a call.
func (m *Machine) OnCall() bool {
	return m.state == Offered || m.state == Connecting || m.state == Talking
}

// Transition is one change, for the state log and the agent's screen.
// A change of Pending alone has From == To.
type Transition struct {
	From, To State
	Reason   string // Not Ready reason when To is NotReady
	Pending  string // Pending Not Ready reason after the change
	Input    Input
	At       time.Time
}

// RingNoAnswer reports whether the transition withdrew an offer whose ring
// time ran out.
func (t Transition) RingNoAnswer() bool { return t.Input == inRingNoAnswer }

// Advance applies what is due at now: the ring time running out (Not Ready,
// missed call) or the end of wrapup. It returns the transitions made.
func (m *Machine) Advance(now time.Time) []Transition {
	if m.state == Offered && !now.Before(m.deadline) {
		m.pending, m.resume = "", "" // the agent is Not Ready now anyway
		return []Transition{m.move(NotReady, ReasonMissedCall, inRingNoAnswer, m.deadline)}
	}
	if m.state == Wrapup && !m.awaiting && !now.Before(m.deadline) {
		return []Transition{m.settle(inWrapupOver, m.deadline)}
	}
	return nil
}

// Offer offers a call to a Ready agent; it rings until ringUntil.
func (m *Machine) Offer(now, ringUntil time.Time) ([]Transition, error) {
	trs := m.Advance(now)
	if m.state != Ready {
		return trs, m.refuse(inOffer)
	}
	if !ringUntil.After(now) {
		return trs, fmt.Errorf("offer: %w", ErrRingOver)
	}
	m.deadline = ringUntil
	return append(trs, m.move(Offered, "", inOffer, now)), nil
}

// OfferDirect offers a call to the agent's own extension (not through a
// queue): allowed while Ready or Not Ready. A Not Ready agent returns to Not
// Ready with the same reason when the call ends.
func (m *Machine) OfferDirect(now, ringUntil time.Time) ([]Transition, error) {
	trs := m.Advance(now)
	if m.state != Ready && m.state != NotReady {
		return trs, m.refuse(inOffer)
	}
	if !ringUntil.After(now) {
		return trs, fmt.Errorf("offer: %w", ErrRingOver)
	}
	if m.state == NotReady {
		m.resume = m.reason
	}
	m.deadline = ringUntil
	return append(trs, m.move(Offered, "", inOffer, now)), nil
}

// Dial starts a call the agent places (outbound or to another agent):
// allowed only while Not Ready, to which the agent returns when it ends.
func (m *Machine) Dial(now time.Time) ([]Transition, error) {
	trs := m.Advance(now)
	if m.state != NotReady {
		if m.state == Ready {
			return trs, fmt.Errorf("%w: go Not Ready before you dial, so that no queue call is offered meanwhile", ErrNotAllowed)
		}
		return trs, m.refuse(inDial)
	}
	m.resume = m.reason
	return append(trs, m.move(Connecting, "", inDial, now)), nil
}

// EndCall ends the agent's offer or call. With wrapupFor > 0 the agent goes
// to Wrapup until now+wrapupFor; otherwise straight to Ready, or to Not Ready
// if Pending Not Ready was asked for.
func (m *Machine) EndCall(now time.Time, wrapupFor time.Duration) ([]Transition, error) {
	trs := m.Advance(now)
	if m.state != Offered && m.state != Connecting && m.state != Talking {
		return trs, m.refuse(inEndCall)
	}
	if wrapupFor > 0 && m.state != Offered {
		m.deadline, m.awaiting = now.Add(wrapupFor), false
		return append(trs, m.move(Wrapup, "", inEndCall, now)), nil
	}
	return append(trs, m.settle(inEndCall, now)), nil
}

// EndCallAwaiting ends the agent's call like EndCall, into a wrapup that
// also waits for a wrapup code (even with no wrapup time: then it lasts
// until the code is given). An offer that ends goes on as with EndCall.
func (m *Machine) EndCallAwaiting(now time.Time, wrapupFor time.Duration) ([]Transition, error) {
	trs := m.Advance(now)
	if m.state != Connecting && m.state != Talking {
		more, err := m.EndCall(now, wrapupFor)
		return append(trs, more...), err
	}
	m.deadline, m.awaiting = now.Add(max(wrapupFor, 0)), true
	return append(trs, m.move(Wrapup, "", inEndCall, now)), nil
}

// CodeGiven: the agent gave the wrapup code their wrapup waits for. The
// wrapup ends now if its time is over; else it goes on to its time (a
// transition of nothing but the input, for the log and the screen).
// Without a wrapup waiting for a code nothing changes.
func (m *Machine) CodeGiven(now time.Time) []Transition { return m.stopAwaiting(inCodeGiven, now) }

// CodeNotRequired: the wrapup waits for a code that nobody can give any
// more (the queue no longer requires one, or is gone): as CodeGiven.
func (m *Machine) CodeNotRequired(now time.Time) []Transition {
	return m.stopAwaiting(inCodeNotRequired, now)
}

func (m *Machine) stopAwaiting(in Input, now time.Time) []Transition {
	trs := m.Advance(now)
	if !m.Awaiting() {
		return trs
	}
	m.awaiting = false
	if !now.Before(m.deadline) {
		return append(trs, m.settle(in, now))
	}
	return append(trs, m.mark(in, now))
}

// Step applies an agent's request or a call event at time now (after
// applying what is due). reason is used by InNotReady (default "break"). A
// refused input changes nothing but what was due, and returns an error
// wrapping ErrNotAllowed.
func (m *Machine) Step(in Input, reason string, now time.Time) ([]Transition, error) {
	trs := m.Advance(now)
	tr, err := m.step(in, reason, now)
	if err != nil {
		return trs, err
	}
	return append(trs, tr), nil
}

func (m *Machine) step(in Input, reason string, now time.Time) (Transition, error) {
	s := m.state
	switch in {
	case InLogin:
		if s == LoggedOut {
			return m.move(NotReady, ReasonLogin, in, now), nil
		}
	case InReady:
		if s == NotReady {
			return m.move(Ready, "", in, now), nil
		}
	case InNotReady:
		if reason == "" {
			reason = ReasonBreak
		}
		switch s {
		case Ready, NotReady:
			return m.move(NotReady, reason, in, now), nil
		case Offered, Connecting, Talking, Wrapup:
			m.pending = reason
			return m.mark(in, now), nil
		}
	case InCancelPending:
		if m.pending != "" {
			m.pending = ""
			return m.mark(in, now), nil
		}
	case InLogout:
		if s == Ready || s == NotReady {
			return m.move(LoggedOut, "", in, now), nil
		}
	case InWithdraw:
		if s == Offered {
			return m.settle(in, now), nil
		}
	case InAnswer:
		if s == Offered {
			return m.move(Connecting, "", in, now), nil
		}
	case InConnected:
		if s == Connecting {
			return m.move(Talking, "", in, now), nil
		}
	case InForceLogout:
		if s != LoggedOut {
			m.pending, m.resume = "", ""
			return m.move(LoggedOut, "", in, now), nil
		}
	case InEndWrapup:
		if s == Wrapup && !m.awaiting {
			return m.settle(in, now), nil
		}
	}
	return Transition{}, m.refuse(in)
}

// refuse explains a refused input in the agent's words.
func (m *Machine) refuse(in Input) error {
	var why string
	switch {
	case m.state == Wrapup && in == InReady:
		why = "you are in wrapup: you become Ready when it ends (only Not Ready, or cancelling it, can be asked for now)"
	case m.state == Wrapup && in == InLogout:
		why = "you are in wrapup: go Not Ready (it applies when wrapup ends), then log out"
	case m.state == Wrapup && in == InEndWrapup:
		why = "your wrapup waits for the wrapup code: give it first, then your wrapup ends"
	case in == InEndWrapup:
		why = "you are not in wrapup"
	case m.state == Wrapup:
		why = "you are in wrapup: only Not Ready, or cancelling it, can be asked for now"
	case in == InLogout && m.OnCall():
		why = "you have a call: hang up before logging out"
	case in == InReady && m.OnCall():
		why = "you have a call: you become Ready when it ends"
	case in == InCancelPending:
		why = "no Pending Not Ready to cancel"
	default:
		why = fmt.Sprintf("%s while %s", in, m.state)
	}
	return fmt.Errorf("%w: %s", ErrNotAllowed, why)
}

// settle ends a call (and its wrapup): Not Ready if pending, back to Not
// Ready after a direct call taken while Not Ready, else Ready.
func (m *Machine) settle(in Input, at time.Time) Transition {
	reason := m.pending
	if reason == "" {
		reason = m.resume
	}
	m.pending, m.resume = "", ""
	if reason != "" {
		return m.move(NotReady, reason, in, at)
	}
	return m.move(Ready, "", in, at)
}

func (m *Machine) move(to State, reason string, in Input, at time.Time) Transition {
	t := Transition{From: m.state, To: to, Reason: reason, Pending: m.pending, Input: in, At: at}
	m.state, m.reason, m.since = to, reason, at
	if to != Offered && to != Wrapup {
		m.deadline = time.Time{}
	}
	if to != Wrapup {
		m.awaiting = false
	}
	return t
}

// mark records a change of Pending alone.
func (m *Machine) mark(in Input, at time.Time) Transition {
	return Transition{From: m.state, To: m.state, Reason: m.reason, Pending: m.pending, Input: in, At: at}
}

package wrapup

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

const ring = 20 * time.Second

// op is one step of a scenario, at t0 + at.
type op struct {
	in     Input
	reason string
	at     time.Duration
	wrapup time.Duration // for opEndCall
}

// Scenario-only inputs for the table.
const (
	opOffer           Input = 100 + iota // Offer with ring time `ring`
	opEndCall                            // EndCall(wrapup)
	opAdvance                            // Advance
	opEndCallAwaiting                    // EndCallAwaiting(wrapup)
	opCodeGiven                          // CodeGiven
)

func apply(m *Machine, o op) ([]Transition, error) {
	now := t0.Add(o.at)
	switch o.in {
	case opOffer:
		return m.Offer(now, now.Add(ring))
	case opEndCall:
		return m.EndCall(now, o.wrapup)
	case opAdvance:
		return m.Advance(now), nil
	case opEndCallAwaiting:
		return m.EndCallAwaiting(now, o.wrapup)
	case opCodeGiven:
		return m.CodeGiven(now), nil
	}
	return m.Step(o.in, o.reason, now)
}

var (
	login     = op{in: InLogin}
	ready     = op{in: InReady}
	offer     = op{in: opOffer}
	answer    = op{in: InAnswer}
	connected = op{in: InConnected}
)

func TestTransitions(t *testing.T) {
	talking := []op{login, ready, offer, answer, connected}
	inWrapup := append(append([]op{}, talking...), op{in: opEndCall, wrapup: 30 * time.Second})
	awaitingCode := append(append([]op{}, talking...), op{in: opEndCallAwaiting, wrapup: 30 * time.Second})
	awaitingOnly := append(append([]op{}, talking...), op{in: opEndCallAwaiting}) // no wrapup time: until the code
	tests := []struct {
		name        string
		path        []op // brings the machine to the state under test, all at t0
		do          op
		want        State
		wantReason  string
		wantPending string
		refused     bool
	}{
		// login and the free states
		{name: "login lands in not ready", do: login, want: NotReady, wantReason: ReasonLogin},
		{name: "second login refused", path: []op{login}, do: login, refused: true},
		{name: "ready from not ready", path: []op{login}, do: ready, want: Ready},
		{name: "ready from ready refused", path: []op{login, ready}, do: ready, refused: true},
		{name: "ready while logged out refused", do: ready, refused: true},
		{name: "not ready with reason", path: []op{login, ready}, do: op{in: InNotReady, reason: "lunch"}, want: NotReady, wantReason: "lunch"},
		{name: "not ready default reason", path: []op{login, ready}, do: op{in: InNotReady}, want: NotReady, wantReason: ReasonBreak},
		{name: "not ready changes reason", path: []op{login}, do: op{in: InNotReady, reason: "training"}, want: NotReady, wantReason: "training"},
		{name: "not ready while logged out refused", do: op{in: InNotReady}, refused: true},
		{name: "logout from not ready", path: []op{login}, do: op{in: InLogout}, want: LoggedOut},
		{name: "logout from ready", path: []op{login, ready}, do: op{in: InLogout}, want: LoggedOut},
		{name: "logout while logged out refused", do: op{in: InLogout}, refused: true},

		// offers
		{name: "offer when ready", path: []op{login, ready}, do: offer, want: Offered},
		{name: "offer when not ready refused", path: []op{login}, do: offer, refused: true},
		{name: "second offer refused", path: []op{login, ready, offer}, do: offer, refused: true},
		{name: "logout while offered refused", path: []op{login, ready, offer}, do: op{in: InLogout}, refused: true},
		{name: "ready while offered refused", path: []op{login, ready, offer}, do: ready, refused: true},
		{name: "not ready while offered is pending", path: []op{login, ready, offer}, do: op{in: InNotReady, reason: "lunch"}, want: Offered, wantPending: "lunch"},
		{name: "answer an offer", path: []op{login, ready, offer}, do: answer, want: Connecting},
		{name: "answer without offer refused", path: []op{login, ready}, do: answer, refused: true},
		{name: "withdraw returns to ready", path: []op{login, ready, offer}, do: op{in: InWithdraw}, want: Ready},
		{name: "withdraw with pending goes not ready", path: []op{login, ready, offer, {in: InNotReady, reason: "lunch"}}, do: op{in: InWithdraw}, want: NotReady, wantReason: "lunch"},
		{name: "withdraw after answer refused", path: []op{login, ready, offer, answer}, do: op{in: InWithdraw}, refused: true},
		{name: "offer ended is never wrapped up", path: []op{login, ready, offer}, do: op{in: opEndCall, wrapup: time.Minute}, want: Ready},

		// calls
		{name: "connected after connecting", path: []op{login, ready, offer, answer}, do: connected, want: Talking},
		{name: "connected without answer refused", path: []op{login, ready, offer}, do: connected, refused: true},
		{name: "logout while talking refused", path: talking, do: op{in: InLogout}, refused: true},
		{name: "pending not ready while talking", path: talking, do: op{in: InNotReady, reason: "training"}, want: Talking, wantPending: "training"},
		{name: "pending while connecting", path: []op{login, ready, offer, answer}, do: op{in: InNotReady}, want: Connecting, wantPending: ReasonBreak},
		{name: "cancel pending", path: append(append([]op{}, talking...), op{in: InNotReady, reason: "lunch"}), do: op{in: InCancelPending}, want: Talking},
		{name: "cancel without pending refused", path: talking, do: op{in: InCancelPending}, refused: true},
		{name: "call ends without wrapup", path: talking, do: op{in: opEndCall}, want: Ready},
		{name: "call ends into wrapup", path: talking, do: op{in: opEndCall, wrapup: 30 * time.Second}, want: Wrapup},
		{name: "call ends with pending and no wrapup", path: append(append([]op{}, talking...), op{in: InNotReady, reason: "lunch"}), do: op{in: opEndCall}, want: NotReady, wantReason: "lunch"},
		{name: "connecting call fails", path: []op{login, ready, offer, answer}, do: op{in: opEndCall}, want: Ready},
		{name: "call ended when idle refused", path: []op{login, ready}, do: op{in: opEndCall}, refused: true},

		// wrapup
		{name: "not ready in wrapup is pending", path: inWrapup, do: op{in: InNotReady, reason: "lunch"}, want: Wrapup, wantPending: "lunch"},
		{name: "ready in wrapup refused", path: inWrapup, do: ready, refused: true},
		{name: "logout in wrapup refused", path: inWrapup, do: op{in: InLogout}, refused: true},
		{name: "offer in wrapup refused", path: inWrapup, do: offer, refused: true},
		{name: "answer in wrapup refused", path: inWrapup, do: answer, refused: true},
		{name: "cancel pending in wrapup", path: append(append([]op{}, inWrapup...), op{in: InNotReady}), do: op{in: InCancelPending}, want: Wrapup},
		{name: "forced logout in wrapup", path: inWrapup, do: op{in: InForceLogout}, want: LoggedOut},
		{name: "forced logout while talking", path: talking, do: op{in: InForceLogout}, want: LoggedOut},
		{name: "forced logout when logged out refused", do: op{in: InForceLogout}, refused: true},

		// a wrapup that waits for a wrapup code, and ending wrapup early
		{name: "call ends into a wrapup awaiting a code", path: talking, do: op{in: opEndCallAwaiting, wrapup: 30 * time.Second}, want: Wrapup},
		{name: "awaiting a code without a wrapup time", path: talking, do: op{in: opEndCallAwaiting}, want: Wrapup},
		{name: "an offer ended awaiting a code is not wrapped up", path: []op{login, ready, offer}, do: op{in: opEndCallAwaiting, wrapup: time.Minute}, want: Ready},
		{name: "code given before the wrapup time", path: awaitingCode, do: op{in: opCodeGiven}, want: Wrapup},
		{name: "code given with no wrapup time ends it", path: awaitingOnly, do: op{in: opCodeGiven}, want: Ready},
		{name: "code given with pending not ready", path: append(append([]op{}, awaitingOnly...), op{in: InNotReady, reason: "lunch"}), do: op{in: opCodeGiven}, want: NotReady, wantReason: "lunch"},
		{name: "end wrapup early", path: inWrapup, do: op{in: InEndWrapup}, want: Ready},
		{name: "end wrapup early with pending not ready", path: append(append([]op{}, inWrapup...), op{in: InNotReady, reason: "training"}), do: op{in: InEndWrapup}, want: NotReady, wantReason: "training"},
		{name: "end wrapup awaiting a code refused", path: awaitingCode, do: op{in: InEndWrapup}, refused: true},
		{name: "end wrapup once the code is given", path: append(append([]op{}, awaitingCode...), op{in: opCodeGiven}), do: op{in: InEndWrapup}, want: Ready},
		{name: "end wrapup while talking refused", path: talking, do: op{in: InEndWrapup}, refused: true},
		{name: "end wrapup while ready refused", path: []op{login, ready}, do: op{in: InEndWrapup}, refused: true},
		{name: "ready while awaiting a code refused", path: awaitingOnly, do: ready, refused: true},
		{name: "logout while awaiting a code refused", path: awaitingOnly, do: op{in: InLogout}, refused: true},
		{name: "forced logout while awaiting a code", path: awaitingOnly, do: op{in: InForceLogout}, want: LoggedOut},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Machine
			for _, o := range tt.path {
				if _, err := apply(&m, o); err != nil {
					t.Fatalf("path step %s: %v", o.in, err)
				}
			}
			before := m
			tt.do.at = time.Second // within every deadline of the path
			trs, err := apply(&m, tt.do)
			if tt.refused {
				if !errors.Is(err, ErrNotAllowed) {
					t.Fatalf("%s in %s: err = %v, want ErrNotAllowed", tt.do.in, before.state, err)
				}
				if m != before || len(trs) != 0 {
					t.Fatalf("refused input changed the machine: %+v -> %+v", before, m)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s in %s: %v", tt.do.in, before.state, err)
			}
			if m.State() != tt.want || m.Reason() != tt.wantReason || m.Pending() != tt.wantPending {
				t.Fatalf("now %s/%q pending %q, want %s/%q pending %q", m.State(), m.Reason(), m.Pending(), tt.want, tt.wantReason, tt.wantPending)
			}
			if len(trs) != 1 || trs[0].From != before.state || trs[0].To != tt.want || !trs[0].At.Equal(t0.Add(time.Second)) {
				t.Fatalf("transitions = %+v", trs)
			}
		})
	}
}

func TestDirectOffer(t *testing.T) {
	tests := []struct {
		name       string
		path       []op
		end        func(m *Machine, now time.Time) ([]Transition, error)
		want       State
		wantReason string
	}{
		{name: "from not ready returns to not ready", path: []op{login, {in: InNotReady, reason: "lunch"}},
			end: func(m *Machine, now time.Time) ([]Transition, error) {
				m.Step(InAnswer, "", now)
				m.Step(InConnected, "", now)
				return m.EndCall(now, 0)
			}, want: NotReady, wantReason: "lunch"},
		{name: "from ready returns to ready", path: []op{login, ready},
			end: func(m *Machine, now time.Time) ([]Transition, error) { return m.Step(InWithdraw, "", now) }, want: Ready},
		{name: "pending wins over the old reason", path: []op{login, {in: InNotReady, reason: "lunch"}},
			end: func(m *Machine, now time.Time) ([]Transition, error) {
				m.Step(InNotReady, "training", now)
				return m.Step(InWithdraw, "", now)
			}, want: NotReady, wantReason: "training"},
		{name: "unanswered is a missed call", path: []op{login, {in: InNotReady, reason: "lunch"}},
			end: func(m *Machine, now time.Time) ([]Transition, error) { return m.Advance(now.Add(ring)), nil }, want: NotReady, wantReason: ReasonMissedCall},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Machine
			for _, o := range tt.path {
				apply(&m, o)
			}
			now := t0.Add(time.Second)
			if _, err := m.OfferDirect(now, now.Add(ring)); err != nil || m.State() != Offered {
				t.Fatalf("OfferDirect: %v, %s", err, m.State())
			}
			if _, err := tt.end(&m, now); err != nil {
				t.Fatal(err)
			}
			if m.State() != tt.want || m.Reason() != tt.wantReason {
				t.Fatalf("after the call: %s/%q, want %s/%q", m.State(), m.Reason(), tt.want, tt.wantReason)
			}
		})
	}
	var m Machine
	apply(&m, login)
	apply(&m, ready)
	apply(&m, offer)
	if _, err := m.OfferDirect(t0, t0.Add(ring)); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("direct offer to an offered agent: %v", err)
	}
}

func TestDial(t *testing.T) {
	var m Machine
	apply(&m, login)
	apply(&m, ready)
	if _, err := m.Dial(t0); !errors.Is(err, ErrNotAllowed) || m.State() != Ready {
		t.Fatalf("dial while Ready: %v, %s", err, m.State())
	}
	apply(&m, op{in: InNotReady, reason: "lunch"})
	if _, err := m.Dial(t0); err != nil || m.State() != Connecting {
		t.Fatalf("dial while Not Ready: %v, %s", err, m.State())
	}
	if _, err := m.Dial(t0); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("dial during a call: %v", err)
	}
	m.Step(InConnected, "", t0)
	m.EndCall(t0, time.Minute) // even after a wrapup the agent returns to the reason they dialled from
	if m.State() != Wrapup {
		t.Fatalf("state %s", m.State())
	}
	m.Advance(t0.Add(time.Minute))
	if m.State() != NotReady || m.Reason() != "lunch" {
		t.Fatalf("after an outbound call: %s/%q, want back to lunch", m.State(), m.Reason())
	}
}

func TestTimerEdges(t *testing.T) {
	const wrap = 30 * time.Second
	toWrapup := func(t *testing.T) *Machine {
		m := &Machine{}
		for _, o := range []op{login, ready, offer, answer, connected, {in: opEndCall, wrapup: wrap}} {
			if _, err := apply(m, o); err != nil {
				t.Fatal(err)
			}
		}
		return m
	}
	end := t0.Add(wrap)

	t.Run("wrapup ends exactly at its time", func(t *testing.T) {
		m := toWrapup(t)
		if trs := m.Advance(end.Add(-time.Nanosecond)); len(trs) != 0 || m.State() != Wrapup {
			t.Fatalf("a nanosecond early: %+v, %s", trs, m.State())
		}
		trs := m.Advance(end)
		if len(trs) != 1 || m.State() != Ready || !m.Since().Equal(end) {
			t.Fatalf("at the deadline: %+v, %s since %v", trs, m.State(), m.Since())
		}
	})
	t.Run("late timer still ends wrapup at its time", func(t *testing.T) {
		m := toWrapup(t)
		m.Advance(end.Add(3 * time.Second))
		if m.State() != Ready || !m.Since().Equal(end) {
			t.Fatalf("%s since %v, want ready since %v", m.State(), m.Since(), end)
		}
	})
	t.Run("pending not ready in the last millisecond", func(t *testing.T) {
		m := toWrapup(t)
		if _, err := m.Step(InNotReady, "lunch", end.Add(-time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		if m.State() != Wrapup || m.Pending() != "lunch" {
			t.Fatalf("%s pending %q", m.State(), m.Pending())
		}
		m.Advance(end)
		if m.State() != NotReady || m.Reason() != "lunch" || m.Pending() != "" {
			t.Fatalf("after wrapup: %s/%q pending %q", m.State(), m.Reason(), m.Pending())
		}
	})
	t.Run("not ready at the very end of wrapup", func(t *testing.T) {
		m := toWrapup(t)
		trs, err := m.Step(InNotReady, "lunch", end)
		if err != nil {
			t.Fatal(err)
		}
		// wrapup ended first (Ready), then the request applies directly
		if len(trs) != 2 || trs[0].To != Ready || trs[1].To != NotReady || m.Reason() != "lunch" {
			t.Fatalf("transitions %+v, now %s/%q", trs, m.State(), m.Reason())
		}
	})
	t.Run("answer in the last nanosecond of ringing wins", func(t *testing.T) {
		m := &Machine{}
		for _, o := range []op{login, ready, offer} {
			apply(m, o)
		}
		if _, err := m.Step(InAnswer, "", t0.Add(ring-time.Nanosecond)); err != nil {
			t.Fatal(err)
		}
		if m.State() != Connecting {
			t.Fatalf("state %s", m.State())
		}
		if trs := m.Advance(t0.Add(ring + time.Second)); len(trs) != 0 {
			t.Fatalf("an answered offer timed out: %+v", trs)
		}
	})
	t.Run("answer at the ring deadline loses", func(t *testing.T) {
		m := &Machine{}
		for _, o := range []op{login, ready, offer} {
			apply(m, o)
		}
		trs, err := m.Step(InAnswer, "", t0.Add(ring))
		if !errors.Is(err, ErrNotAllowed) {
			t.Fatalf("answer after the ring time: %v", err)
		}
		if len(trs) != 1 || trs[0].To != NotReady || trs[0].Reason != ReasonMissedCall || m.State() != NotReady {
			t.Fatalf("ring no answer not applied: %+v, %s", trs, m.State())
		}
	})
	t.Run("ring no answer clears pending", func(t *testing.T) {
		m := &Machine{}
		for _, o := range []op{login, ready, offer, {in: InNotReady, reason: "lunch"}} {
			apply(m, o)
		}
		m.Advance(t0.Add(ring))
		if m.State() != NotReady || m.Reason() != ReasonMissedCall || m.Pending() != "" {
			t.Fatalf("%s/%q pending %q", m.State(), m.Reason(), m.Pending())
		}
	})
	t.Run("deadlines", func(t *testing.T) {
		m := &Machine{}
		if _, ok := m.Deadline(); ok {
			t.Fatal("logged out agent has a deadline")
		}
		apply(m, login)
		apply(m, ready)
		apply(m, offer)
		if d, ok := m.Deadline(); !ok || !d.Equal(t0.Add(ring)) {
			t.Fatalf("offered deadline %v %v", d, ok)
		}
		apply(m, answer)
		if _, ok := m.Deadline(); ok {
			t.Fatal("connecting agent has a deadline")
		}
	})
	t.Run("a wrapup awaiting a code outlasts its time", func(t *testing.T) {
		m := &Machine{}
		for _, o := range []op{login, ready, offer, answer, connected, {in: opEndCallAwaiting, wrapup: wrap}} {
			if _, err := apply(m, o); err != nil {
				t.Fatal(err)
			}
		}
		if _, ok := m.Deadline(); ok {
			t.Fatal("a wrapup awaiting a code has a deadline: its timer would end it")
		}
		if u, ok := m.Until(); !ok || !u.Equal(end) || !m.Awaiting() {
			t.Fatalf("until %v %v, awaiting %v: the countdown shows the wrapup time", u, ok, m.Awaiting())
		}
		if trs := m.Advance(end.Add(time.Hour)); len(trs) != 0 || m.State() != Wrapup {
			t.Fatalf("an hour after its time: %+v, %s", trs, m.State())
		}
		given := end.Add(time.Hour + time.Second)
		trs := m.CodeGiven(given)
		if len(trs) != 1 || trs[0].To != Ready || trs[0].Input != inCodeGiven || !m.Since().Equal(given) || m.Awaiting() {
			t.Fatalf("code given after the time: %+v, %s since %v", trs, m.State(), m.Since())
		}
		if trs := m.CodeGiven(given.Add(time.Second)); len(trs) != 0 {
			t.Fatalf("a code given again changed something: %+v", trs)
		}
	})
	t.Run("a code given early lets the wrapup end at its time", func(t *testing.T) {
		m := &Machine{}
		for _, o := range []op{login, ready, offer, answer, connected, {in: opEndCallAwaiting, wrapup: wrap}, {in: opCodeGiven, at: time.Second}} {
			if _, err := apply(m, o); err != nil {
				t.Fatal(err)
			}
		}
		if d, ok := m.Deadline(); !ok || !d.Equal(end) || m.State() != Wrapup || m.Awaiting() {
			t.Fatalf("deadline %v %v, %s awaiting %v", d, ok, m.State(), m.Awaiting())
		}
		if trs := m.Advance(end); len(trs) != 1 || m.State() != Ready || !m.Since().Equal(end) {
			t.Fatalf("at its time: %+v %s", trs, m.State())
		}
	})
	t.Run("a wrapup awaiting only the code has no countdown", func(t *testing.T) {
		m := &Machine{}
		for _, o := range []op{login, ready, offer, answer, connected, {in: opEndCallAwaiting}} {
			apply(m, o)
		}
		if _, ok := m.Until(); ok {
			t.Fatal("a wrapup of no time has a countdown")
		}
		if _, ok := m.Deadline(); ok {
			t.Fatal("a wrapup of no time awaiting a code has a deadline")
		}
	})
	t.Run("offer with no ring time refused", func(t *testing.T) {
		m := &Machine{}
		apply(m, login)
		apply(m, ready)
		if _, err := m.Offer(t0, t0); !errors.Is(err, ErrRingOver) || m.State() != Ready {
			t.Fatalf("err %v, state %s", err, m.State())
		}
	})
}

// TestRandomSequences drives the machine with random inputs and times and
// checks what must always hold.
func TestRandomSequences(t *testing.T) {
	inputs := []Input{InLogin, InReady, InNotReady, InCancelPending, InLogout, InWithdraw, InAnswer, InConnected, InForceLogout, opOffer, opEndCall, opAdvance,
		InEndWrapup, opEndCallAwaiting, opCodeGiven}
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 1))
		var m Machine
		at := time.Duration(0)
		for step := 0; step < 2000; step++ {
			at += time.Duration(rng.IntN(5000)) * time.Millisecond
			o := op{in: inputs[rng.IntN(len(inputs))], at: at, reason: []string{"", "lunch", "break"}[rng.IntN(3)]}
			if (o.in == opEndCall || o.in == opEndCallAwaiting) && rng.IntN(2) == 0 {
				o.wrapup = time.Duration(rng.IntN(10)) * time.Second
			}
			before := m
			trs, err := apply(&m, o)
			now := t0.Add(at)
			if err != nil && !errors.Is(err, ErrNotAllowed) && !errors.Is(err, ErrRingOver) {
				t.Fatalf("seed %d step %d: unexpected error %v", seed, step, err)
			}
			for _, tr := range trs {
				if tr.At.After(now) {
					t.Fatalf("seed %d step %d: transition in the future %+v", seed, step, tr)
				}
			}
			if m.pending != "" && !m.Busy() {
				t.Fatalf("seed %d step %d: pending %q while %s", seed, step, m.pending, m.state)
			}
			if (m.state == NotReady) != (m.reason != "") {
				t.Fatalf("seed %d step %d: state %s with reason %q", seed, step, m.state, m.reason)
			}
			if d, ok := m.Deadline(); ok && !d.After(before.since) && m.state == before.state {
				t.Fatalf("seed %d step %d: stale deadline %v", seed, step, d)
			}
			if m.state == Offered && !m.deadline.After(m.since) {
				t.Fatalf("seed %d step %d: offer without ring time", seed, step)
			}
			if m.awaiting && m.state != Wrapup {
				t.Fatalf("seed %d step %d: awaiting a code while %s", seed, step, m.state)
			}
			if m.state == Wrapup && !m.awaiting && !m.deadline.After(m.since) {
				t.Fatalf("seed %d step %d: a wrapup that can never end", seed, step)
			}
		}
	}
}

func TestNames(t *testing.T) {
	for s := LoggedOut; s <= Wrapup; s++ {
		if s.String() == "" || s.String()[0] == 's' {
			t.Errorf("state %d has no wire name: %q", int(s), s.String())
		}
	}
	if got := State(99).String(); got != "state(99)" {
		t.Errorf("unknown state = %q", got)
	}
	for in := InLogin; in <= inCodeNotRequired; in++ {
		if in.String() == "" || in.String()[0] == 'i' {
			t.Errorf("input %d has no name", int(in))
		}
	}
}

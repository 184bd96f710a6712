package wrapup

import (
	"errors"
	"testing"
	"time"
)

func TestStepTable(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		path       []Input // brings the machine to the state under test
		in         Input
		reason     string
		want       State
		wantReason string
		refused    bool
	}{
		{name: "login lands in not ready", in: InLogin, want: NotReady, wantReason: ReasonLogin},
		{name: "second login refused", path: []Input{InLogin}, in: InLogin, refused: true},
		{name: "ready from not ready", path: []Input{InLogin}, in: InReady, want: Ready},
		{name: "ready from ready refused", path: []Input{InLogin, InReady}, in: InReady, refused: true},
		{name: "ready while logged out refused", in: InReady, refused: true},
		{name: "not ready with reason", path: []Input{InLogin, InReady}, in: InNotReady, reason: "lunch", want: NotReady, wantReason: "lunch"},
		{name: "not ready default reason", path: []Input{InLogin, InReady}, in: InNotReady, want: NotReady, wantReason: ReasonBreak},
		{name: "not ready changes reason", path: []Input{InLogin}, in: InNotReady, reason: "training", want: NotReady, wantReason: "training"},
		{name: "logout from not ready", path: []Input{InLogin}, in: InLogout, want: LoggedOut},
		{name: "logout from ready", path: []Input{InLogin, InReady}, in: InLogout, want: LoggedOut},
		{name: "logout while offered refused", path: []Input{InLogin, InReady, InOffer}, in: InLogout, refused: true},
		{name: "logout while talking refused", path: []Input{InLogin, InReady, InOffer, InAnswer, InConnected}, in: InLogout, refused: true},
		{name: "offer only when ready", path: []Input{InLogin}, in: InOffer, refused: true},
		{name: "offer when ready", path: []Input{InLogin, InReady}, in: InOffer, want: Offered},
		{name: "second offer refused", path: []Input{InLogin, InReady, InOffer}, in: InOffer, refused: true},
		{name: "not ready while offered refused", path: []Input{InLogin, InReady, InOffer}, in: InNotReady, refused: true},
		{name: "answer an offer", path: []Input{InLogin, InReady, InOffer}, in: InAnswer, want: Connecting},
		{name: "answer without offer refused", path: []Input{InLogin, InReady}, in: InAnswer, refused: true},
		{name: "withdraw returns to ready", path: []Input{InLogin, InReady, InOffer}, in: InWithdraw, want: Ready},
		{name: "withdraw after answer refused", path: []Input{InLogin, InReady, InOffer, InAnswer}, in: InWithdraw, refused: true},
		{name: "connected after connecting", path: []Input{InLogin, InReady, InOffer, InAnswer}, in: InConnected, want: Talking},
		{name: "connected without answer refused", path: []Input{InLogin, InReady, InOffer}, in: InConnected, refused: true},
		{name: "call ends while talking", path: []Input{InLogin, InReady, InOffer, InAnswer, InConnected}, in: InCallEnded, want: Ready},
		{name: "call ends while connecting", path: []Input{InLogin, InReady, InOffer, InAnswer}, in: InCallEnded, want: Ready},
		{name: "call ended when idle refused", path: []Input{InLogin, InReady}, in: InCallEnded, refused: true},
		{name: "forced logout while talking", path: []Input{InLogin, InReady, InOffer, InAnswer, InConnected}, in: InForceLogout, want: LoggedOut},
		{name: "ring no answer goes not ready", path: []Input{InLogin, InReady, InOffer}, in: InRingNoAnswer, want: NotReady, wantReason: ReasonMissedCall},
		{name: "ring no answer after answer refused", path: []Input{InLogin, InReady, InOffer, InAnswer}, in: InRingNoAnswer, refused: true},
		{name: "forced logout when logged out refused", in: InForceLogout, refused: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Machine
			for i, in := range tt.path {
				if _, err := m.Step(in, "", t0.Add(time.Duration(i)*time.Second)); err != nil {
					t.Fatalf("path step %s: %v", in, err)
				}
			}
			before, beforeReason, beforeSince := m.State(), m.Reason(), m.Since()
			now := t0.Add(time.Hour)
			tr, err := m.Step(tt.in, tt.reason, now)
			if tt.refused {
				if !errors.Is(err, ErrNotAllowed) {
					t.Fatalf("Step(%s) in %s: err = %v, want ErrNotAllowed", tt.in, before, err)
				}
				if m.State() != before || m.Reason() != beforeReason || !m.Since().Equal(beforeSince) {
					t.Fatalf("refused input changed the machine: %s/%q -> %s/%q", before, beforeReason, m.State(), m.Reason())
				}
				return
			}
			if err != nil {
				t.Fatalf("Step(%s) in %s: %v", tt.in, before, err)
			}
			if m.State() != tt.want || m.Reason() != tt.wantReason {
				t.Fatalf("state = %s/%q, want %s/%q", m.State(), m.Reason(), tt.want, tt.wantReason)
			}
			if tr.From != before || tr.To != tt.want || !tr.At.Equal(now) || !m.Since().Equal(now) {
				t.Fatalf("transition = %+v, since %v", tr, m.Since())
			}
		})
	}
}

func TestStateNames(t *testing.T) {
	for s := LoggedOut; s <= Wrapup; s++ {
		if s.String() == "" || s.String()[0] == 's' {
			t.Errorf("state %d has no wire name: %q", int(s), s.String())
		}
	}
	if got := State(99).String(); got != "state(99)" {
		t.Errorf("unknown state = %q", got)
	}
}

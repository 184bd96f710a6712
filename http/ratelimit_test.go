package http

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// tryLogin makes one attempt; right says whether its password is right. It
// returns the refusal's message, "" when the attempt was made.
func tryLogin(l *loginLimits, user, addr string, right bool) string {
	at, no := l.begin(user, addr)
	if no != nil {
		return no.msg
	}
	at.end(!right, right)
	return ""
}

func TestLoginLimits(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	const alice, home, attacker = "alice@demo", "10.0.0.1", "203.0.113.7"
	tests := []struct {
		name string
		run  func(t *testing.T, l *loginLimits)
	}{
		{"successful logins never count", func(t *testing.T, l *loginLimits) {
			for i := range 100 {
				if msg := tryLogin(l, alice, home, true); msg != "" {
					t.Fatalf("login %d refused: %s", i+1, msg)
				}
			}
		}},
		{"five wrong passwords from the attacker's address lock the user out there only", func(t *testing.T, l *loginLimits) {
			for i := range pairBurst {
				if msg := tryLogin(l, alice, attacker, false); msg != "" {
					t.Fatalf("attempt %d refused: %s", i+1, msg)
				}
			}
			if msg := tryLogin(l, alice, attacker, true); !strings.Contains(msg, "for this user") || !strings.Contains(msg, "20 seconds") {
				t.Fatalf("sixth attempt from the attacker: %q", msg)
			}
			if msg := tryLogin(l, alice, home, true); msg != "" {
				t.Fatalf("the real user at her own address: %q", msg)
			}
			if msg := tryLogin(l, "bob@demo", attacker, true); msg != "" {
				t.Fatalf("another user at the attacker's address: %q", msg)
			}
			now = now.Add(pairEvery)
			if msg := tryLogin(l, alice, attacker, false); msg != "" {
				t.Fatalf("the pair's bucket did not refill: %q", msg)
			}
		}},
		{"a guess spread over many addresses meets the user's limit, but not at an address she used", func(t *testing.T, l *loginLimits) {
			if msg := tryLogin(l, alice, home, true); msg != "" {
				t.Fatal(msg)
			}
			for i := range userBurst {
				if msg := tryLogin(l, alice, "198.51.100."+strconv.Itoa(i), false); msg != "" {
					t.Fatalf("guess %d refused: %s", i+1, msg)
				}
			}
			if msg := tryLogin(l, alice, "198.51.100.250", false); !strings.Contains(msg, "for this user") || !strings.Contains(msg, "60 seconds") {
				t.Fatalf("a guess past the user's limit: %q", msg)
			}
			if msg := tryLogin(l, alice, home, true); msg != "" {
				t.Fatalf("the real user at an address she logged in from: %q", msg)
			}
		}},
		{"an address trying many users is limited", func(t *testing.T, l *loginLimits) {
			for i := range addrBurst {
				if msg := tryLogin(l, "user"+strconv.Itoa(i)+"@demo", attacker, false); msg != "" {
					t.Fatalf("attempt %d refused: %s", i+1, msg)
				}
			}
			if msg := tryLogin(l, "x@demo", attacker, true); !strings.Contains(msg, "your address") {
				t.Fatalf("message %q", msg)
			}
		}},
		{"attempts in flight take their tokens before the check", func(t *testing.T, l *loginLimits) {
			var inFlight []*loginAttempt
			refused := 0
			for range 40 {
				if at, no := l.begin(alice, attacker); no != nil {
					refused++
				} else {
					inFlight = append(inFlight, at)
				}
			}
			if len(inFlight) != pairBurst || refused != 40-pairBurst {
				t.Fatalf("%d attempts in flight at once, %d refused; want %d and %d", len(inFlight), refused, pairBurst, 40-pairBurst)
			}
			for _, at := range inFlight[1:] {
				at.end(true, false)
			}
			inFlight[0].end(false, true) // the right one gives its tokens back
			if msg := tryLogin(l, alice, attacker, true); msg != "" {
				t.Fatalf("the token given back was not there: %q", msg)
			}
		}},
		{"the first refusal of a key is news, the rest of a flood is not", func(t *testing.T, l *loginLimits) {
			for range pairBurst {
				tryLogin(l, alice, attacker, false)
			}
			var firsts int
			for range 10 {
				if _, no := l.begin(alice, attacker); no != nil && no.first {
					firsts++
				}
			}
			if firsts != 1 {
				t.Fatalf("%d first refusals, want 1", firsts)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLoginLimits()
			l.setClock(func() time.Time { return now })
			tt.run(t, l)
		})
	}
}

func TestLimiterForgetsQuietKeys(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	l := newLimiter(time.Second, 2, 10)
	l.now = func() time.Time { return now }
	for i := range 1000 {
		l.take(strings.Repeat("k", i%50) + string(rune('a'+i%26)))
		now = now.Add(100 * time.Millisecond)
	}
	if n := len(l.entries); n > 10 {
		t.Fatalf("%d keys kept, want at most 10", n)
	}
}

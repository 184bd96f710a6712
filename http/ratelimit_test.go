package http

import (
	"strings"
	"testing"
	"time"
)

func TestLoginLimits(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	l := newLoginLimits()
	l.user.now = func() time.Time { return now }
	l.addr.now = func() time.Time { return now }
	for i := range 50 {
		if msg, ok := l.check("alice@demo", "10.0.0.1"); !ok {
			t.Fatalf("successful login %d refused: %s", i+1, msg)
		}
	}
	for i := range 5 {
		if msg, ok := l.check("alice@demo", "10.0.0.1"); !ok {
			t.Fatalf("attempt %d refused: %s", i+1, msg)
		}
		l.failed("alice@demo", "10.0.0.1")
	}
	msg, ok := l.check("alice@demo", "10.0.0.2")
	if ok || !strings.Contains(msg, "this user") || !strings.Contains(msg, "20 seconds") {
		t.Fatalf("sixth attempt for the user: %v %q", ok, msg)
	}
	if _, ok := l.check("bob@demo", "10.0.0.1"); !ok {
		t.Fatal("another user from the same address was refused early")
	}
	now = now.Add(20 * time.Second)
	if _, ok := l.check("alice@demo", "10.0.0.3"); !ok {
		t.Fatal("the user's bucket did not refill")
	}
	// one address trying many users
	for i := range 30 {
		user := "user" + string(rune('a'+i)) + "@demo"
		_, ok := l.check(user, "192.0.2.9")
		l.failed(user, "192.0.2.9")
		if !ok {
			if i < 20 {
				t.Fatalf("address refused after %d attempts", i)
			}
			if msg, _ := l.check("x@demo", "192.0.2.9"); !strings.Contains(msg, "your address") {
				t.Fatalf("message %q", msg)
			}
			return
		}
	}
	t.Fatal("an address was never limited")
}

func TestLimiterForgetsQuietKeys(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	l := newLimiter(time.Second, 2, 10)
	l.now = func() time.Time { return now }
	for i := range 1000 {
		l.allow(strings.Repeat("k", i%50) + string(rune('a'+i%26)))
		now = now.Add(100 * time.Millisecond)
	}
	if n := len(l.entries); n > 10 {
		t.Fatalf("%d keys kept, want at most 10", n)
	}
}

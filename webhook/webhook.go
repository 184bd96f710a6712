// Package webhook is the contract of the webhooks a tenant's admin registers:
// the events and their JSON, the signature (HMAC-SHA256 over the timestamp
// and the body, in a header like Stripe's), the retry schedule, and which
// targets are allowed (https, or loopback over http; never a private or
// link-local address unless the operator allows it). docs/webhooks.md is
// the same for a receiver's developer.
//
// Pure logic: no goroutines, no I/O. The outbox rows are written by the app's
// recorder and sent by package outbox.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Event types a webhook may ask for.
const (
	CallQueued        = "call.queued"         // a call entered a queue, or went back to the head of its queue
	CallOffered       = "call.offered"        // an agent is rung for a call
	CallAnswered      = "call.answered"       // an agent is connected to the call (each agent who joins)
	CallEnded         = "call.ended"          // the call is over for everyone: its record
	AgentStateChanged = "agent.state_changed" // an agent's state changed
	CallbackQueued    = "callback.queued"     // a callback waits in its queue: requested, or again after an attempt
	CallbackEnded     = "callback.ended"      // a callback is done, or an attempt failed and it waits for a retry
	VoicemailLeft     = "voicemail.left"      // a caller's message waits in its queue
	VoicemailClosed   = "voicemail.closed"    // an agent closed a voicemail, or the retention deleted it
	Test              = "test"                // sent from the admin page
)

// Types are the event types an admin may choose, in the order the admin
// page lists them; Labels names them there.
var (
	Types = []string{CallQueued, CallOffered, CallAnswered, CallEnded, AgentStateChanged,
		CallbackQueued, CallbackEnded, VoicemailLeft, VoicemailClosed}
	Labels = map[string]string{
		CallQueued:        "Call queued",
		CallOffered:       "Call offered to an agent",
		CallAnswered:      "Call answered",
		CallEnded:         "Call ended, with its record",
		AgentStateChanged: "Agent state changed",
		CallbackQueued:    "Callback waiting in its queue",
		CallbackEnded:     "Callback done, or waiting for a retry",
		VoicemailLeft:     "Voicemail left",
		VoicemailClosed:   "Voicemail closed",
		Test:              "Test event",
	}
)

// Headers of a delivery.
const (
	SignatureHeader = "Ccaas-Signature"  // t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">
	EventIDHeader   = "Ccaas-Event-Id"   // the event's id, the same on every attempt and endpoint
	EventTypeHeader = "Ccaas-Event-Type" // the event's type
	AttemptHeader   = "Ccaas-Attempt"    // 1 for the first attempt, 2 for the first retry …
)

// Sign is the SignatureHeader value for body sent at t with secret.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Errors of Verify.
var (
	ErrNoSignature  = errors.New("no valid signature")
	ErrTooOld       = errors.New("signature timestamp outside the tolerance")
	ErrBadSignature = errors.New("signature does not match")
)

// Verify checks a SignatureHeader value as a receiver would: the timestamp
// within tolerance of now (a replayed delivery is refused), and one of its
// v1 signatures made with secret over the timestamp and body.
func Verify(header string, secret, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		switch {
		case !ok:
		case k == "t":
			ts = v
		case k == "v1":
			if sig, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, sig)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrNoSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrTooOld
	}
	want := mac(secret, ts, body)
	for _, sig := range sigs {
		if hmac.Equal(sig, want) {
			return nil
		}
	}
	return ErrBadSignature
}

// Retries: an attempt that fails is tried again after Retry(attempts), until
// GiveUpAfter since the event; then the delivery has failed for good.
const (
	FirstRetry  = 5 * time.Second
	MaxRetry    = time.Hour
	GiveUpAfter = 24 * time.Hour
)

// Retry is the wait after the n-th failed attempt (n from 1): 5 s, 10 s,
// 20 s … doubling, at most an hour.
func Retry(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	d := FirstRetry
	for i := 1; i < n && d < MaxRetry; i++ {
		d *= 2
	}
	return min(d, MaxRetry)
}

// MinSecret and MaxSecret bound a webhook's secret.
const (
	MinSecret = 16
	MaxSecret = 200
)

// CheckSecret: 16 to 200 printable ASCII characters, no spaces (it is
// typed into the receiver's configuration).
func CheckSecret(s string) error {
	if len(s) < MinSecret || len(s) > MaxSecret {
		return fmt.Errorf("%d to %d characters", MinSecret, MaxSecret)
	}
	for _, r := range s {
		if r <= ' ' || r > '~' {
			return errors.New("printable ASCII without spaces only")
		}
	}
	return nil
}

// Package outbox sends the webhook deliveries the app's recorder wrote into
// the database (the outbox) to the tenants' endpoints: each a signed JSON
// POST (package webhook), retried with growing waits for 24 hours, a key's
// deliveries (a call's, an agent's) one after another in the order they
// happened. The tenant loops never wait for it: they only append rows, and a
// restart loses nothing, since every delivery is a row until it is done.
//
// A delivery is made at least once: a receiver that answered 2xx but whose
// answer was lost, or an app that stopped between the answer and keeping it,
// gets it again, with the same event id.
package outbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/webhook"
)

// Store is what the sender reads and writes (package sqlite).
type Store interface {
	// DueDeliveries are the pending deliveries due at now, at most one per
	// webhook and key (the head of its line), the longest due first.
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]ccaas.Delivery, error)
	// NextDue is when the next pending delivery is due (zero if none is).
	NextDue(ctx context.Context) (time.Time, error)
	// FinishAttempts keeps attempts' outcomes, in one transaction; a
	// delivery done makes the next of its key due.
	FinishAttempts(ctx context.Context, as []ccaas.Attempt) error
	// PruneDeliveries removes deliveries done and made before before.
	PruneDeliveries(ctx context.Context, before time.Time) (int64, error)
}

// Config of a Sender; zero values take the defaults.
type Config struct {
	Store Store
	// Client posts the deliveries; default NewClient(nil): no private,
	// loopback or link-local target.
	Client *http.Client
	Log    *slog.Logger
	// Timeout bounds one attempt, the answer included; default 10 s.
	Timeout time.Duration
	// Poll is the longest wait between two looks at the outbox; Wake
	// ends a wait early (the recorder wrote rows); default 30 s.
	Poll time.Duration
	// Batch is how many deliveries are tried at once (their outcomes are
	// kept in one transaction); default 64.
	Batch int
	// Keep is how long done deliveries stay for the admin page; default 7 days.
	Keep time.Duration
	// Finished, if set, is told each attempt's outcome (metrics): the
	// delivery's state after it.
	Finished func(state string)
}

// Defaults of Config.
const (
	DefaultTimeout = 10 * time.Second
	DefaultPoll    = 30 * time.Second
	DefaultBatch   = 64
	DefaultKeep    = 7 * 24 * time.Hour
)

// Sender sends due deliveries until its context ends.
type Sender struct {
	cfg       Config
	wake      chan struct{}
	lastPrune time.Time
}

// Wake tells the sender new rows may be due; it never blocks.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// New makes a sender.
func New(cfg Config) *Sender {
	if cfg.Client == nil {
		cfg.Client = NewClient(nil)
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	if cfg.Keep <= 0 {
		cfg.Keep = DefaultKeep
	}
	return &Sender{cfg: cfg, wake: make(chan struct{}, 1)}
}

// Run sends what is due, then waits for the next due delivery (at most
// Poll), until ctx ends.
func (s *Sender) Run(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := s.SendDue(ctx)
		if err != nil && ctx.Err() == nil {
			s.cfg.Log.Warn("webhook outbox unreadable; trying again", "err", err)
		}
		if n == s.cfg.Batch {
			continue // more may be due
		}
		select {
		case <-s.wake:
			continue // rows written meanwhile (at load, nearly always): no need to ask when the next is due
		default:
		}
		wait := s.cfg.Poll
		if next, err := s.cfg.Store.NextDue(ctx); err == nil && !next.IsZero() {
			wait = min(wait, max(time.Until(next), 0))
		}
		if wait == 0 && n == 0 {
			wait = s.cfg.Poll // due but not sent (its webhook is off): do not spin
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-s.wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// SendDue tries the deliveries due now, together, and says how many.
func (s *Sender) SendDue(ctx context.Context) (int, error) {
	now := time.Now()
	if now.Sub(s.lastPrune) > time.Hour {
		s.lastPrune = now
		if n, err := s.cfg.Store.PruneDeliveries(ctx, now.Add(-s.cfg.Keep)); err != nil {
			s.cfg.Log.Warn("webhook deliveries not pruned", "err", err)
		} else if n > 0 {
			s.cfg.Log.Info("old webhook deliveries pruned", "deliveries", n)
		}
	}
	due, err := s.cfg.Store.DueDeliveries(ctx, now, s.cfg.Batch)
	if err != nil {
		return 0, err
	}
	attempts := make([]*ccaas.Attempt, len(due))
	var wg sync.WaitGroup
	for i, d := range due {
		wg.Go(func() { attempts[i] = s.deliver(ctx, d) })
	}
	wg.Wait()
	var kept []ccaas.Attempt
	for _, a := range attempts {
		if a != nil {
			kept = append(kept, *a)
		}
	}
	if len(kept) == 0 {
		return len(due), nil
	}
	// kept even when ctx ends meanwhile: the receivers have them
	kctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := s.cfg.Store.FinishAttempts(kctx, kept); err != nil {
		s.cfg.Log.Warn("webhook attempts not kept; they will be made again", "deliveries", len(kept), "err", err)
		return len(due), nil
	}
	if s.cfg.Finished != nil {
		for _, a := range kept {
			s.cfg.Finished(a.State)
		}
	}
	return len(due), nil
}

// deliver makes one attempt and says its outcome (nil: the sender is
// stopping, the attempt does not count).
func (s *Sender) deliver(ctx context.Context, d ccaas.Delivery) *ccaas.Attempt {
	now := time.Now()
	a := ccaas.Attempt{Delivery: d.ID, Webhook: d.Webhook, Key: d.Key, At: now}
	if now.Sub(d.Created) >= webhook.GiveUpAfter {
		a.State, a.Error = ccaas.DeliveryFailed, "given up: not delivered within 24 hours"
	} else {
		a.Attempted = true
		a.Status, a.Error = s.post(ctx, d, d.Attempts+1)
		next := time.Now().Add(webhook.Retry(d.Attempts + 1)) // after the answer (or the timeout)
		switch {
		case a.Error == "":
			a.State = ccaas.DeliveryDelivered
		case ctx.Err() != nil:
			return nil // stopping: the attempt does not count, it is made again after the restart
		case next.Sub(d.Created) >= webhook.GiveUpAfter:
			a.State = ccaas.DeliveryFailed
		default:
			a.State, a.NextAt = ccaas.DeliveryPending, next
		}
	}
	if a.State != ccaas.DeliveryDelivered {
		s.cfg.Log.Info("webhook delivery failed", "tenant", d.Tenant, "webhook", d.Webhook, "event", d.EventID,
			"attempt", d.Attempts+1, "status", a.Status, "err", a.Error, "state", a.State)
	}
	return &a
}

// maxAnswer is how much of an answer's body is read (so the connection can
// be reused), and how much of it an error message quotes.
const (
	maxAnswer = 64 << 10
	maxQuote  = 200
)

// post sends d once: the status the endpoint answered, and why it failed
// ("" for a 2xx answer).
func (s *Sender) post(ctx context.Context, d ccaas.Delivery, attempt int) (int, string) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return 0, "bad address: " + err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ccaas-webhooks/1")
	req.Header.Set(webhook.SignatureHeader, webhook.Sign([]byte(d.Secret), time.Now(), d.Body))
	req.Header.Set(webhook.EventIDHeader, d.EventID)
	req.Header.Set(webhook.EventTypeHeader, d.Type)
	req.Header.Set(webhook.AttemptHeader, strconv.Itoa(attempt))
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return 0, describe(err, s.cfg.Timeout)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return resp.StatusCode, ""
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return resp.StatusCode, fmt.Sprintf("HTTP %d: redirects are not followed (register the final address)", resp.StatusCode)
	}
	quote := string(body)
	if len(quote) > maxQuote {
		quote = quote[:maxQuote] + "…"
	}
	return resp.StatusCode, fmt.Sprintf("HTTP %d %q", resp.StatusCode, quote)
}

// describe says why a request failed, for the admin's delivery log.
func describe(err error, timeout time.Duration) string {
	var refused *RefusedError
	switch {
	case errors.As(err, &refused):
		return refused.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("no answer within %s", timeout)
	}
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && ue.Unwrap() != nil {
		return ue.Unwrap().Error()
	}
	return err.Error()
}

// RefusedError: a delivery's address leads where webhooks may not go.
type RefusedError struct {
	Addr netip.Addr
	Why  string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("refused: %s is %s; the operator may allow its range (--webhook-allow)", e.Addr, e.Why)
}

// NewClient is the client deliveries are posted with: it connects only to
// addresses webhook.Blocked allows (besides those in allow), checked on the
// address each connection is made to, after name resolution, so that no
// DNS answer leads it inside; it follows no redirect and uses no proxy.
func NewClient(allow []netip.Prefix) *http.Client {
	dialer := &net.Dialer{
		Timeout: 10 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("webhook target %q: %w", address, err)
			}
			if why := webhook.Blocked(ap.Addr(), allow); why != "" {
				return &RefusedError{Addr: ap.Addr().Unmap(), Why: why}
			}
			return nil
		},
	}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: DefaultTimeout,
			// a batch posts to an endpoint at once; keeping its connections
			// lets the next batch reuse them instead of dialling (and
			// shaking hands over TLS) again on the calls' cores
			MaxIdleConnsPerHost: DefaultBatch,
			IdleConnTimeout:     90 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

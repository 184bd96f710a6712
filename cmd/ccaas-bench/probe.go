package main

import (
	"context"

	"fmt"
	"github.com/ccaas/ccaas/ari"
	"strings"
	"sync"
	"time"
)

// A state change reaches two sockets: the agent's own and, in the team view,
// their supervisor's. Both are timed from the state's `since` (when the
// tenant loop changed it, on this machine's clock) to the message's arrival.

// teamRow is the part of a team view row the probe reads.
type teamRow struct {
	ID    int64 `json:"id"`
	State struct {
		State string    `json:"state"`
		Since time.Time `json:"since"`
	} `json:"state"`
}

// teamChanged times every state the supervisor sees for the first time.
func (a *agentClient) teamChanged(rows []teamRow, now time.Time) {
	for _, r := range rows {
		if old, ok := a.seen[r.ID]; ok && old.State == r.State {
			continue // the row changed for another reason (its call)
		}
		a.seen[r.ID] = r
		if !r.State.Since.IsZero() {
			a.b.stateLat.add(&a.b.stateLat.supervisor, now, now.Sub(r.State.Since))
		}
	}
}

// stateLatencies collects both, with their arrival times, so each step
// takes its own.
type stateLatencies struct {
	mu                sync.Mutex
	agent, supervisor []timedLatency
}

type timedLatency struct {
	at  time.Time
	lat time.Duration
}

func (s *stateLatencies) add(to *[]timedLatency, at time.Time, lat time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	*to = append(*to, timedLatency{at, lat})
}

// between summarises the latencies that arrived in [from, to).
func (s *stateLatencies) between(list *[]timedLatency, from, to time.Time) summary {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ds []time.Duration
	for _, t := range *list {
		if !t.at.Before(from) && t.at.Before(to) {
			ds = append(ds, t.lat)
		}
	}
	return summarize(ds)
}

// forgetBefore drops the latencies that arrived before t.
func (s *stateLatencies) forgetBefore(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	keep := func(list []timedLatency) []timedLatency {
		out := list[:0]
		for _, l := range list {
			if !l.at.Before(t) {
				out = append(out, l)
			}
		}
		return out
	}
	s.agent, s.supervisor = keep(s.agent), keep(s.supervisor)
}

// loginSupervisors logs each tenant's supervisor in; they watch the team
// view of every agent.
func (b *bench) loginSupervisors(ctx context.Context) error {
	for _, t := range b.tenants {
		if t.supervisor == "" {
			continue
		}
		s, err := b.login(ctx, t.index, t.supervisor, false, true)
		if err != nil {
			return fmt.Errorf("supervisor: %w", err)
		}
		b.sups = append(b.sups, s)
	}
	// their lines come up before anything is measured
	return b.waitParked(ctx, b.loggedIn(), 30*time.Second)
}

// waitParked waits until n lines are up, waiting in Stasis for calls.
func (b *bench) waitParked(ctx context.Context, n int, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		parked := 0
		if b.real != nil {
			// a real Asterisk: the sockets say when the lines are up
			parked, _ = b.real.state()
		}
		for _, ch := range b.simChannels() {
			if strings.HasPrefix(ch.ID, "ln") && b.sim.InStasis(ch.ID) && b.sim.BridgeOf(ch.ID) == "" {
				parked++
			}
		}
		if parked >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d lines parked after %s", parked, n, d)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// simChannels are the simulator's channels (none against a real Asterisk).
func (b *bench) simChannels() []ari.Channel {
	if b.sim == nil {
		return nil
	}
	return b.sim.Channels()
}

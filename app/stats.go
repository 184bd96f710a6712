package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/wrapup"
)

// TenantStats is a tenant's figures at one moment, as its loop sees them.
type TenantStats struct {
	Tenant ccaas.TenantID
	Domain string
	// Talking counts the calls an agent is connected to (or connecting to,
	// or dialling out on), held ones included.
	Talking int
	// Agents counts the tenant's agents by state (wrapup.State names, every
	// state present, "logged_out" for agents without a session).
	Agents map[string]int
	// LoggedIn counts the agents with a session.
	LoggedIn int
	// Queues are every configured queue, by name.
	Queues []QueueStats
}

// QueueStats is one queue's figures.
type QueueStats struct {
	Queue ccaas.QueueID
	Name  string
	// Waiting counts the callers in the queue: waiting for an agent or being
	// offered to one by the queue (an offer that is not answered puts the
	// call back). Calls sent on to an extension or being transferred are
	// not in the queue any more.
	Waiting int
	// Oldest is when the longest-waiting of them entered the queue (zero: none).
	Oldest time.Time
	// Talking counts the calls that came through this queue and have an agent.
	Talking int
	// Members counts the queue's members by state, like TenantStats.Agents.
	Members map[string]int
}

// AgentStates are the state names TenantStats.Agents and QueueStats.Members
// always hold, in the order of the agent state machine.
var AgentStates = func() []string {
	var names []string
	for s := wrapup.LoggedOut; s <= wrapup.Wrapup; s++ {
		names = append(names, s.String())
	}
	return names
}()

type msgQueryStats struct {
	done chan error
	out  *TenantStats
}

// Stats asks every tenant loop for its figures (each loop is the only owner
// of its state) and returns them ordered by domain. The loops are asked
// together; a loop that does not answer before ctx ends is left out and
// named in the error, so one stuck tenant does not hide the others.
func (a *App) Stats(ctx context.Context) ([]TenantStats, error) {
	a.mu.RLock()
	ts := a.tenantList()
	a.mu.RUnlock()
	type answer struct {
		t   *tenant
		out *TenantStats
		err error
	}
	answers := make(chan answer, len(ts))
	for _, t := range ts {
		go func() {
			out := new(TenantStats)
			err := t.ask(ctx, func(done chan error) any { return msgQueryStats{done: done, out: out} })
			answers <- answer{t: t, out: out, err: err}
		}()
	}
	stats := make([]TenantStats, 0, len(ts))
	var errs []error
	for range ts {
		ans := <-answers
		if ans.err != nil {
			errs = append(errs, fmt.Errorf("stats of tenant %d: %w", ans.t.cfg.Tenant.ID, ans.err))
			continue
		}
		stats = append(stats, *ans.out)
	}
	slices.SortFunc(stats, func(x, y TenantStats) int { return strings.Compare(x.Domain, y.Domain) })
	return stats, errors.Join(errs...)
}

// stats counts the tenant's calls and agents; it runs in the loop.
func (t *tenant) stats() TenantStats {
	s := TenantStats{Tenant: t.cfg.Tenant.ID, Domain: t.cfg.Tenant.Domain, Agents: zeroStates()}
	for _, ag := range t.agents {
		s.Agents[ag.fsm.State().String()]++
		if ag.session != nil {
			s.LoggedIn++
		}
	}
	byQueue := make(map[ccaas.QueueID]*QueueStats, len(t.queues))
	for _, q := range t.queues {
		qs := &QueueStats{Queue: q.ID, Name: q.Name, Members: zeroStates()}
		for _, m := range q.Members {
			if ag := t.agents[m.Agent]; ag != nil {
				qs.Members[ag.fsm.State().String()]++
			}
		}
		byQueue[q.ID] = qs
	}
	for _, c := range t.calls {
		var qs *QueueStats
		if c.queue != nil {
			qs = byQueue[c.queue.ID] // nil for a queue removed since
		}
		switch {
		case c.state == callConnected:
			s.Talking++
			if qs != nil {
				qs.Talking++
			}
		case qs != nil && inQueue(c):
			qs.Waiting++
			if qs.Oldest.IsZero() || c.enteredQueue.Before(qs.Oldest) {
				qs.Oldest = c.enteredQueue
			}
		}
	}
	for _, qs := range byQueue {
		s.Queues = append(s.Queues, *qs)
	}
	slices.SortFunc(s.Queues, func(x, y QueueStats) int { return strings.Compare(x.Name, y.Name) })
	return s
}

// inQueue: the call waits in its queue, or the queue is offering it to an
// agent (and takes it back if the offer is not answered).
func inQueue(c *call) bool {
	switch c.state {
	case callWaiting:
		return true
	case callOffered:
		if c.direct {
			return false
		}
		for _, l := range c.legs {
			if l.role != roleAnswer {
				return false // a transfer, not the queue's offer
			}
		}
		return true
	}
	return false
}

func zeroStates() map[string]int {
	m := make(map[string]int, len(AgentStates))
	for _, s := range AgentStates {
		m[s] = 0
	}
	return m
}

package app

import (
	"errors"
	"fmt"
	"github.com/ccaas/ccaas"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ccaas/ccaas/queue"
	"github.com/ccaas/ccaas/wrapup"
)

// invariants checks what must hold between any two inputs of the loop
// (Config.CheckInvariants). It is O(agents + calls).
func (t *tenant) invariants() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, ag := range t.agents {
		name := ag.cfg.Username
		s := ag.fsm.State()
		if c, l := ag.call, ag.leg; c != nil || l != nil {
			switch {
			case c == nil || l == nil:
				bad("%s has a call without a leg or a leg without a call", name)
			case !c.has(l) || l.ag != ag:
				bad("%s's leg is not part of call %s", name, c.id)
			case c.state == callEnded || c.state == callWaiting:
				bad("%s holds call %s which is %s", name, c.id, c.state)
			case !ag.fsm.OnCall():
				bad("%s holds call %s while %s", name, c.id, s)
			case (l.state == legOffered) != (s == wrapup.Offered):
				bad("%s's leg is %s while %s", name, l.state, s)
			}
		} else if ag.fsm.OnCall() {
			bad("%s is %s without a call", name, s)
		}
		if ag.session == nil && s != wrapup.LoggedOut {
			bad("%s is %s without a session", name, s)
		}
		if d, ok := ag.fsm.Deadline(); ok && t.now().Sub(d) > 2*time.Second {
			bad("%s missed a deadline by %v", name, t.now().Sub(d))
		}
	}
	for id, c := range t.calls {
		if c.ends > 1 {
			bad("call %s ended %d times", id, c.ends)
		}
		waiting := t.router.IsWaiting(queue.CallID(id))
		if waiting != (c.state == callWaiting) {
			bad("call %s is %s but waiting in the router: %v", id, c.state, waiting)
		}
		seen := make(map[*agent]bool)
		for _, l := range c.legs {
			if seen[l.ag] {
				bad("agent %s is twice on call %s", l.ag.cfg.Username, id)
			}
			seen[l.ag] = true
			if l.ag.call != c || l.ag.leg != l {
				bad("call %s has a leg of %s, who is elsewhere", id, l.ag.cfg.Username)
			}
		}
		if (c.state == callOffered || c.state == callConnected) && len(c.legs) == 0 {
			bad("call %s is %s without agents", id, c.state)
		}
		if c.state == callConnected && c.connectedAgents() == 0 {
			bad("call %s is connected without a connected agent", id)
		}
		if err := consultInvariants(c); err != nil {
			errs = append(errs, err)
		}
	}
	// no waiting call stays waiting while an eligible agent is Ready
	if cid, aid, ok := t.router.Next(); ok {
		bad("call %s waits while agent %d is Ready for it", cid, aid)
	}
	// the figures kept from the events are what a count from scratch says
	if got, want := t.figures.stats(), t.recount(); !sameStats(got, want) {
		bad("figures from events %+v, counted %+v", got, want)
	}
	return errors.Join(errs...)
}

// recount counts the tenant's calls and agents from scratch, as the
// figures should have them (invariants compares the two).
func (t *tenant) recount() TenantStats {
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
		case c.talking():
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
	if c.callback != nil || c.isVoicemail() {
		return false // a task of the queue, not a caller in it
	}
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

func sameStats(a, b TenantStats) bool {
	if a.Tenant != b.Tenant || a.Domain != b.Domain || a.Talking != b.Talking || a.LoggedIn != b.LoggedIn ||
		!maps.Equal(a.Agents, b.Agents) || len(a.Queues) != len(b.Queues) {
		return false
	}
	for i, q := range a.Queues {
		r := b.Queues[i]
		if q.Queue != r.Queue || q.Name != r.Name || q.Waiting != r.Waiting || !q.Oldest.Equal(r.Oldest) ||
			q.Talking != r.Talking || !maps.Equal(q.Members, r.Members) {
			return false
		}
	}
	return true
}

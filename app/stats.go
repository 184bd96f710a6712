package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/event"
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
	// Refused counts the callers refused at the door since ccaas started
	// (Config.MaxCalls), by reason: event.RefusedNode and RefusedTenant,
	// both always present.
	Refused map[string]int
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
	// Open: the queue's opening hours say it is open now.
	Open bool
	// EstimatedWait is the wait a caller entering now would be told;
	// Estimated is false when nobody works in the queue.
	EstimatedWait time.Duration
	Estimated     bool
	// Callbacks and Voicemails count those not done yet.
	Callbacks, Voicemails int
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

// figures keeps a tenant's counts from its events, so that a scrape or the
// team view reads them without walking every call: agents by state, the
// queues' members by state, and where each call is (waiting in a queue,
// talking, or neither: arriving, being transferred, saying goodbye).
type figures struct {
	tenant   ccaas.Tenant
	agents   map[ccaas.AgentID]wrapup.State
	byState  [wrapup.Wrapup + 1]int
	queues   map[ccaas.QueueID]*queueFigures
	calls    map[ccaas.CallID]*callPlace
	talking  int
	loggedIn int
	refused  map[string]int
}

type queueFigures struct {
	name    string
	members []ccaas.AgentID
	waiting map[ccaas.CallID]time.Time // when each entered the queue
	talking int
}

// callPlace is where a call is, as the figures count it.
type callPlace struct {
	queue   ccaas.QueueID // the queue it came through (0: none)
	waiting bool          // in its queue: waiting, or being offered by the queue
	talking bool          // an agent is connected (or connecting, or dialling)
}

func newFigures() *figures {
	return &figures{agents: make(map[ccaas.AgentID]wrapup.State), queues: make(map[ccaas.QueueID]*queueFigures),
		calls: make(map[ccaas.CallID]*callPlace), refused: make(map[string]int)}
}

func (f *figures) apply(events []event.Event) {
	for _, ev := range events {
		switch e := ev.(type) {
		case event.Configured:
			f.configured(e.Config)
		case event.AgentChanged:
			f.setState(e.Agent, e.To)
		case event.CallQueued:
			p := f.place(e.Call)
			f.leave(e.Call)
			p.queue, p.waiting = e.Queue, true
			if q := f.queues[e.Queue]; q != nil {
				q.waiting[e.Call] = e.Entered
			}
		case event.CallOffered:
			if !e.ByQueue {
				f.stopWaiting(e.Call)
			}
		case event.CallConnected:
			f.startTalking(e.Call)
		case event.CallDialled:
			f.startTalking(e.Call)
		case event.CallTransferred:
			f.stopTalking(e.Call)
		case event.CallTimedOut:
			f.stopWaiting(e.Call)
		case event.CallLeftWithKey:
			f.stopWaiting(e.Call)
		case event.CallEnded:
			if p := f.calls[e.Call]; p != nil {
				f.leave(e.Call)
				delete(f.calls, e.Call)
			}
		case event.CallRefused:
			f.refused[e.Reason]++
		case event.CallbackDialled:
			// a queue's callback: its talk counts for the queue
			f.place(ccaas.CallID(e.Callback)).queue = e.Queue
		case event.VoicemailLeft:
			f.place(ccaas.CallID(e.Voicemail.ID)).queue = e.Voicemail.Queue
		case event.VoicemailClosed:
			if p := f.calls[ccaas.CallID(e.Voicemail.ID)]; p != nil && !p.talking {
				delete(f.calls, ccaas.CallID(e.Voicemail.ID))
			}
		}
	}
}

func (f *figures) configured(cfg ccaas.TenantConfig) {
	f.tenant = cfg.Tenant
	present := make(map[ccaas.AgentID]bool, len(cfg.Agents))
	for _, ag := range cfg.Agents {
		present[ag.ID] = true
		if _, ok := f.agents[ag.ID]; !ok {
			f.setState(ag.ID, wrapup.LoggedOut)
		}
	}
	for id, s := range f.agents {
		if !present[id] {
			f.byState[s]--
			if s != wrapup.LoggedOut {
				f.loggedIn--
			}
			delete(f.agents, id)
		}
	}
	old := f.queues
	f.queues = make(map[ccaas.QueueID]*queueFigures, len(cfg.Queues))
	for _, q := range cfg.Queues {
		qf := old[q.ID]
		if qf == nil {
			qf = &queueFigures{waiting: make(map[ccaas.CallID]time.Time)}
		}
		qf.name, qf.members = q.Name, qf.members[:0]
		for _, m := range q.Members {
			qf.members = append(qf.members, m.Agent)
		}
		f.queues[q.ID] = qf
	}
}

// setState counts an agent in a state; an agent seen for the first time
// (one created after the configuration was read) counts from here.
func (f *figures) setState(id ccaas.AgentID, to wrapup.State) {
	if from, ok := f.agents[id]; ok {
		f.byState[from]--
		if from != wrapup.LoggedOut {
			f.loggedIn--
		}
	}
	f.agents[id] = to
	f.byState[to]++
	if to != wrapup.LoggedOut {
		f.loggedIn++
	}
}

func (f *figures) place(id ccaas.CallID) *callPlace {
	p := f.calls[id]
	if p == nil {
		p = &callPlace{}
		f.calls[id] = p
	}
	return p
}

func (f *figures) stopWaiting(id ccaas.CallID) {
	if p := f.calls[id]; p != nil && p.waiting {
		p.waiting = false
		if q := f.queues[p.queue]; q != nil {
			delete(q.waiting, id)
		}
	}
}

func (f *figures) startTalking(id ccaas.CallID) {
	p := f.place(id)
	f.stopWaiting(id)
	if !p.talking {
		p.talking = true
		f.talking++
		if q := f.queues[p.queue]; q != nil {
			q.talking++
		}
	}
}

func (f *figures) stopTalking(id ccaas.CallID) {
	if p := f.calls[id]; p != nil && p.talking {
		p.talking = false
		f.talking--
		if q := f.queues[p.queue]; q != nil {
			q.talking--
		}
	}
}

// leave takes a call out of wherever it is counted.
func (f *figures) leave(id ccaas.CallID) {
	f.stopWaiting(id)
	f.stopTalking(id)
}

// stats returns the figures in the form Stats gives them: O(queues ×
// members + calls waiting).
func (f *figures) stats() TenantStats {
	s := TenantStats{Tenant: f.tenant.ID, Domain: f.tenant.Domain, Agents: zeroStates(), Talking: f.talking, LoggedIn: f.loggedIn,
		Refused: map[string]int{event.RefusedNode: f.refused[event.RefusedNode], event.RefusedTenant: f.refused[event.RefusedTenant]}}
	for st, n := range f.byState {
		s.Agents[wrapup.State(st).String()] = n
	}
	s.Queues = f.queueStats()
	return s
}

// queueStats are the queues' figures of stats, by name: all the team
// view's and the directory's rows need, after every batch of inputs that
// moved them.
func (f *figures) queueStats() []QueueStats {
	var out []QueueStats
	for id, q := range f.queues {
		qs := QueueStats{Queue: id, Name: q.name, Members: zeroStates(), Waiting: len(q.waiting), Talking: q.talking}
		for _, m := range q.members {
			if st, ok := f.agents[m]; ok {
				qs.Members[st.String()]++
			}
		}
		for _, at := range q.waiting {
			if qs.Oldest.IsZero() || at.Before(qs.Oldest) {
				qs.Oldest = at
			}
		}
		out = append(out, qs)
	}
	slices.SortFunc(out, func(x, y QueueStats) int { return strings.Compare(x.Name, y.Name) })
	return out
}

func zeroStates() map[string]int {
	m := make(map[string]int, len(AgentStates))
	for _, s := range AgentStates {
		m[s] = 0
	}
	return m
}

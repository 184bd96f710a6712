// Package queue is the ACD: waiting calls per queue and the choice of which
// Ready agent gets which call. It is pure logic: no goroutines, no I/O, no
// clock of its own.
package queue

import (
	"slices"
	"time"
)

// ID names a queue within a tenant.
type ID int64

// CallID names a waiting call.
type CallID string

// AgentID names an agent.
type AgentID int64

type waiting struct {
	call    CallID
	queue   ID
	arrived time.Time
	seq     uint64 // breaks ties between equal arrival times: first come, first served
}

type readyAgent struct {
	id        AgentID
	queues    []ID
	idleSince time.Time
	seq       uint64
}

// Router holds the waiting calls and the Ready agents of one tenant.
type Router struct {
	waiting map[ID][]waiting // per queue, ordered by (arrived, seq)
	where   map[CallID]ID
	ready   map[AgentID]readyAgent
	seq     uint64
}

// NewRouter returns an empty router.
func NewRouter() *Router {
	return &Router{
		waiting: make(map[ID][]waiting),
		where:   make(map[CallID]ID),
		ready:   make(map[AgentID]readyAgent),
	}
}

// Enqueue adds a call to queue q. A call keeps its place by arrival time, so
// a call put back with its original arrival time goes to the head of the
// queue, before every call that came after it. Enqueuing a call that is
// already waiting moves it.
func (r *Router) Enqueue(c CallID, q ID, arrived time.Time) {
	r.Remove(c)
	r.seq++
	w := waiting{call: c, queue: q, arrived: arrived, seq: r.seq}
	list := r.waiting[q]
	i, _ := slices.BinarySearchFunc(list, w, compareWaiting)
	r.waiting[q] = slices.Insert(list, i, w)
	r.where[c] = q
}

// Remove takes a call out of its queue; it reports whether it was waiting.
func (r *Router) Remove(c CallID) bool {
	q, ok := r.where[c]
	if !ok {
		return false
	}
	delete(r.where, c)
	list := r.waiting[q]
	i := slices.IndexFunc(list, func(w waiting) bool { return w.call == c })
	r.waiting[q] = slices.Delete(list, i, i+1)
	return true
}

// Waiting returns the number of calls waiting in queue q.
func (r *Router) Waiting(q ID) int { return len(r.waiting[q]) }

// IsWaiting reports whether a call is waiting.
func (r *Router) IsWaiting(c CallID) bool { _, ok := r.where[c]; return ok }

// SetReady makes an agent available for calls of the given queues; idleSince
// orders agents (longest idle first).
func (r *Router) SetReady(a AgentID, queues []ID, idleSince time.Time) {
	r.seq++
	r.ready[a] = readyAgent{id: a, queues: slices.Clone(queues), idleSince: idleSince, seq: r.seq}
}

// SetUnavailable takes an agent out of routing.
func (r *Router) SetUnavailable(a AgentID) { delete(r.ready, a) }

// Next returns the call to offer and the agent to offer it to: the call that
// has waited longest among the queues that have a Ready member, and that
// queue's longest-idle Ready member. It changes nothing: the caller applies
// the decision with Remove and SetUnavailable.
func (r *Router) Next() (CallID, AgentID, bool) {
	var (
		best      waiting
		bestAgent readyAgent
		found     bool
	)
	for q, list := range r.waiting {
		if len(list) == 0 {
			continue
		}
		head := list[0]
		if found && compareWaiting(head, best) >= 0 {
			continue
		}
		if a, ok := r.longestIdle(q); ok {
			best, bestAgent, found = head, a, true
		}
	}
	if !found {
		return "", 0, false
	}
	return best.call, bestAgent.id, true
}

func (r *Router) longestIdle(q ID) (readyAgent, bool) {
	var (
		best  readyAgent
		found bool
	)
	for _, a := range r.ready {
		if !slices.Contains(a.queues, q) {
			continue
		}
		if !found || a.idleSince.Before(best.idleSince) || (a.idleSince.Equal(best.idleSince) && a.seq < best.seq) {
			best, found = a, true
		}
	}
	return best, found
}

func compareWaiting(a, b waiting) int {
	if c := a.arrived.Compare(b.arrived); c != 0 {
		return c
	}
	switch {
	case a.seq < b.seq:
		return -1
	case a.seq > b.seq:
		return 1
	}
	return 0
}

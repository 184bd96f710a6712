package app

import (
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/estimate"
	"github.com/ccaas/ccaas/event"
	"github.com/ccaas/ccaas/wrapup"
)

// The estimated wait (package estimate has the method): each queue's
// average handle time is kept from the events (handleTimes, a projection),
// and a caller's estimate comes from their place in the queue and the
// queue's members Ready and working now.

// handleTimes keeps each queue's moving average of handle time (talk, hold
// and wrapup of its answered calls) from the events: an answered call's
// talk and hold when it ends, with the wrapup that follows it once that
// ends.
type handleTimes struct {
	queues map[ccaas.QueueID]*estimate.Handle
	// calls ended, waiting for the wrapup of their agent to end
	pending map[ccaas.CallID]pendingHandle
	// agents in wrapup, with the call and when it began
	wrapups map[ccaas.AgentID]callWrapup
}

type callWrapup struct {
	since time.Time
	call  ccaas.CallID
}

type pendingHandle struct {
	queue ccaas.QueueID
	talk  time.Duration
}

func newHandleTimes() *handleTimes {
	return &handleTimes{queues: make(map[ccaas.QueueID]*estimate.Handle), pending: make(map[ccaas.CallID]pendingHandle),
		wrapups: make(map[ccaas.AgentID]callWrapup)}
}

// average is a queue's average handle time.
func (h *handleTimes) average(q ccaas.QueueID) time.Duration {
	if a := h.queues[q]; a != nil {
		return a.Average()
	}
	return estimate.Prior
}

func (h *handleTimes) add(q ccaas.QueueID, d time.Duration) {
	a := h.queues[q]
	if a == nil {
		a = &estimate.Handle{}
		h.queues[q] = a
	}
	a.Add(d)
}

func (h *handleTimes) apply(events []event.Event) {
	for _, ev := range events {
		switch e := ev.(type) {
		case event.AgentChanged:
			switch {
			case e.To == wrapup.Wrapup:
				h.wrapups[e.Agent] = callWrapup{since: e.At, call: e.Call}
			case e.From == wrapup.Wrapup:
				w, ok := h.wrapups[e.Agent]
				delete(h.wrapups, e.Agent)
				if p, waiting := h.pending[w.call]; ok && waiting {
					delete(h.pending, w.call)
					h.add(p.queue, p.talk+e.At.Sub(w.since))
				}
			}
		case event.CallEnded:
			r := e.Record
			if r.Direction != ccaas.DirInbound || r.Queue == 0 || r.Answered.IsZero() {
				continue
			}
			wrapping := false
			for _, w := range h.wrapups {
				wrapping = wrapping || w.call == r.ID
			}
			if wrapping {
				h.pending[r.ID] = pendingHandle{queue: r.Queue, talk: r.Talk + r.Hold}
			} else {
				h.add(r.Queue, r.Talk+r.Hold)
			}
		}
	}
}

// queueStaff counts a queue's members who are Ready and who work (Ready,
// or offered, on a call or in wrapup: they take its calls when free).
func (t *tenant) queueStaff(q *ccaas.Queue) (ready, working int) {
	for _, m := range q.Members {
		ag := t.agents[m.Agent]
		if ag == nil || ag.session == nil {
			continue
		}
		switch ag.fsm.State() {
		case wrapup.Ready:
			ready++
			working++
		case wrapup.Offered, wrapup.Connecting, wrapup.Talking, wrapup.Wrapup:
			working++
		}
	}
	return ready, working
}

// estimateFor is the wait a waiting call can expect from its place in its
// queue; false when nobody works in the queue.
func (t *tenant) estimateFor(c *call) (time.Duration, bool) {
	if c.queue == nil {
		return 0, false
	}
	return t.estimateAt(c.queue, t.position(c))
}

// estimateAt is the wait of a caller at position of queue q.
func (t *tenant) estimateAt(q *ccaas.Queue, position int) (time.Duration, bool) {
	ready, working := t.queueStaff(q)
	return estimate.Wait(position, ready, working, t.room.handles.average(q.ID))
}

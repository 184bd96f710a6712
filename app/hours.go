package app

import (
	"strconv"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/event"
	"github.com/ccaas/ccaas/queue"
)

// Opening hours: a call that reaches a queue while it is closed gets the
// queue's closed action instead of waiting: a message then goodbye, a
// voicemail, another queue or an agent's extension (as an overflow). Only
// entering counts: callers already waiting when a queue closes are served,
// and so are its callbacks and voicemails. The supervisors' rows say when a
// queue opens or closes next; a timer tells them at that moment.

// queueOpen tells whether queue q is open now.
func (t *tenant) queueOpen(q ccaas.QueueID) bool {
	return t.room.schedules[q].Open(t.now(), t.room.loc)
}

// queueHours is whether q is open now and until when (zero: no change
// within a year).
func (t *tenant) queueHours(q ccaas.QueueID) (bool, time.Time) {
	s := t.room.schedules[q]
	until, _ := s.Next(t.now(), t.room.loc)
	return s.Open(t.now(), t.room.loc), until
}

// hoursNow is queue q's open state and next change as the last
// hoursChanged found them: they hold until its timer, so the team view's
// rows read them instead of walking the schedule on every flush.
func (t *tenant) hoursNow(q ccaas.QueueID) (bool, time.Time) {
	if open, ok := t.room.open[q]; ok {
		return open, t.room.until[q]
	}
	return t.queueHours(q)
}

// closedAt applies queue q's closed action to a call entering it while it
// is closed, and reports whether it did.
func (t *tenant) closedAt(c *call, q *ccaas.Queue) bool {
	if c.callback != nil || c.voicemail != nil && !c.voicemail.leaving || t.queueOpen(q.ID) {
		return false
	}
	t.log.Info("queue closed; its closed action applies", "call", c.id, "queue", q.Name, "action", q.ClosedAction)
	t.emit(event.CallArrivedClosed{At: t.now(), Call: c.id, Queue: q.ID, QueueName: q.Name, Action: q.ClosedAction})
	if c.visited == nil {
		c.visited = make(map[ccaas.QueueID]bool)
	}
	c.visited[q.ID] = true
	switch q.ClosedAction {
	case ccaas.OverflowQueue:
		id, err := strconv.ParseInt(q.ClosedTarget, 10, 64)
		if next := t.queues[ccaas.QueueID(id)]; err == nil && next != nil && !c.visited[next.ID] {
			t.wait(c, next)
			return true
		}
	case ccaas.OverflowExtension:
		if ag := t.byExtension(q.ClosedTarget); ag != nil && t.reachable(ag) {
			c.queue, c.direct = q, true
			if c.state == callArriving {
				c.state = callWaiting
			}
			if t.offer(c, ag, roleAnswer, nil) == nil {
				return true
			}
			c.direct = false
		}
	case ccaas.OverflowVoicemail:
		c.queue = q
		t.leaveMessage(c, q)
		return true
	}
	c.queue = q
	t.goodbyeWith(c, ccaas.EndClosed, promptClosed)
	return true
}

type msgHoursTimer struct{ gen uint64 }

func (m msgHoursTimer) handleIn(t *tenant) {
	if m.gen == t.room.hoursGen {
		t.hoursChanged(false)
	}
}

// hoursChanged tells the supervisors' rows which queues opened or closed
// (every queue, after a change of the configuration) and arms the timer
// for the next change of any queue.
func (t *tenant) hoursChanged(all bool) {
	r := t.room
	now := t.now()
	var next time.Time
	for id := range t.queues {
		open, until := t.queueHours(id)
		r.until[id] = until
		if was, known := r.open[id]; all || !known || was != open {
			r.open[id] = open
			t.emit(event.QueueHoursChanged{At: now, Queue: id, Open: open, Until: until})
		}
		if !until.IsZero() && (next.IsZero() || until.Before(next)) {
			next = until
		}
	}
	for id := range r.open {
		if t.queues[id] == nil {
			delete(r.open, id)
			delete(r.until, id)
		}
	}
	if r.hoursTimer != nil {
		r.hoursTimer.Stop()
	}
	r.hoursGen++
	if next.IsZero() {
		return
	}
	gen := r.hoursGen
	// a moment after the change, so that it has happened on the clock
	r.hoursTimer = time.AfterFunc(next.Sub(now)+time.Millisecond, func() { t.inbox.post(msgHoursTimer{gen: gen}) })
}

// waitingIn counts the callers waiting in queue q (not its tasks).
func (t *tenant) waitingIn(q ccaas.QueueID) int { return t.router.Waiting(queue.ID(q)) }

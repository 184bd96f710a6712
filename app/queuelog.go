package app

import (
	"slices"
	"strconv"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/queue"
	"github.com/ccaas/ccaas/wrapup"
)

// The queue_log: what Asterisk's app_queue writes about queue calls and
// queue members, built here at the moments it happens so that reporting
// tools made for app_queue can read a ccaas contact center. Package queuelog
// writes the lines; README.md lists the events and the fields we fill.
//
// Names are made unique across tenants: a queue is "<queue name>@<domain>",
// an agent "<username>@<domain>", a call our call id.

// QueueEvent is one queue_log line (queuelog.Event has the same fields).
type QueueEvent struct {
	Time   time.Time
	CallID string // our call id, or NONE
	Queue  string // "<queue name>@<domain>", or NONE
	Agent  string // "<username>@<domain>", or NONE
	Event  string
	Data   []string
}

const qlNone = "NONE"

type qlogState int

const (
	qlogOutside   qlogState = iota // not in a queue
	qlogQueued                     // ENTERQUEUE written: waiting, or an agent is being rung
	qlogConnected                  // CONNECT written: the queue's agent talks to the caller
	qlogDone                       // left the queue: completed, transferred, abandoned or timed out
)

// qlogCall is what the queue_log needs to remember of a call.
type qlogCall struct {
	state     qlogState
	queue     *ccaas.Queue
	name      string    // the queue's name as written at ENTERQUEUE
	entered   time.Time // when it entered that queue
	opos      int       // its position then
	member    *leg      // the connected agent's part
	agent     string
	connected time.Time
}

// qlogAgent: the queues an agent was added to (ADDMEMBER), and whether they
// are paused (Not Ready) in them.
type qlogAgent struct {
	name    string // "<username>@<domain>" as at login: one session, one name
	members []string
	paused  bool
	reason  string
}

func (t *tenant) qlogOn() bool { return t.app.cfg.QueueLog != nil }

func (t *tenant) qlog(at time.Time, callID, queueName, agent, event string, data ...string) {
	if f := t.app.cfg.QueueLog; f != nil {
		f(QueueEvent{Time: at, CallID: callID, Queue: queueName, Agent: agent, Event: event, Data: data})
	}
}

func (t *tenant) qlQueue(q *ccaas.Queue) string { return q.Name + "@" + t.cfg.Tenant.Domain }
func (t *tenant) qlAgent(ag *agent) string      { return ag.cfg.Username + "@" + t.cfg.Tenant.Domain }
func itoa(n int) string                         { return strconv.Itoa(n) }
func millis(d time.Duration) string             { return strconv.FormatInt(d.Milliseconds(), 10) }
func wholeSeconds(d time.Duration) string       { return strconv.FormatInt(int64(d/time.Second), 10) }
func secondsBetween(from, to time.Time) string  { return strconv.FormatInt(to.Unix()-from.Unix(), 10) }

// position is a call's place in its queue; 1 once it left the router
// because an agent is being rung for it (it was at the head then).
func (t *tenant) position(c *call) int {
	if p, ok := t.router.Position(queue.CallID(c.id)); ok {
		return p
	}
	return 1
}

// queueStart: app_queue's log begins with QUEUESTART; tools take it to mean
// that nobody is logged in and no call waits, which holds when we start.
func (a *App) queueStart() {
	if a.cfg.QueueLog != nil {
		a.cfg.QueueLog(QueueEvent{Time: a.now(), CallID: qlNone, Queue: qlNone, Agent: qlNone, Event: "QUEUESTART"})
	}
}

// qlogEnter: the call was put in its queue. A call that goes back to the
// queue it is in (its agent did not answer) has not left it, as in
// app_queue; one that comes back after its agent or a transfer let it go
// enters anew.
//
//	ENTERQUEUE|url|callernumber|position|callername
func (t *tenant) qlogEnter(c *call) {
	ql := &c.ql
	if !t.qlogOn() || (ql.state == qlogQueued && ql.queue == c.queue) {
		return
	}
	now := t.now()
	*ql = qlogCall{state: qlogQueued, queue: c.queue, name: t.qlQueue(c.queue), entered: now, opos: t.position(c)}
	t.qlog(now, string(c.id), ql.name, qlNone, "ENTERQUEUE", "", c.caller.Number, itoa(ql.opos), c.caller.Name)
}

// qlogConnect: the agent the queue offered the call to is connected.
//
//	CONNECT|holdtime|bridgedchanneluniqueid|ringtime
func (t *tenant) qlogConnect(c *call, l *leg) {
	ql := &c.ql
	if ql.state != qlogQueued || l.role != roleAnswer || c.direct {
		return
	}
	ql.state, ql.member, ql.agent, ql.connected = qlogConnected, l, t.qlAgent(l.ag), l.joinedAt
	t.qlog(l.joinedAt, string(c.id), ql.name, ql.agent, "CONNECT",
		secondsBetween(ql.entered, l.joinedAt), l.ag.line.channel, wholeSeconds(l.joinedAt.Sub(l.offeredAt)))
}

// qlogLeft: an agent's part of the call ended. If it was the queue's
// connected agent, the queue's part of the call is complete.
//
//	COMPLETECALLER|holdtime|calltime|origposition  (the caller hung up)
//	COMPLETEAGENT|holdtime|calltime|origposition   (the agent hung up or left)
func (t *tenant) qlogLeft(c *call, l *leg, reason string) {
	if c.ql.state == qlogConnected && c.ql.member == l {
		t.qlogComplete(c, reason)
	}
}

func (t *tenant) qlogComplete(c *call, reason string) {
	ql := &c.ql
	now := t.now()
	event := "COMPLETEAGENT"
	if reason == ccaas.EndCallerHangup {
		event = "COMPLETECALLER"
	}
	ql.state = qlogDone
	t.qlog(now, string(c.id), ql.name, ql.agent, event, secondsBetween(ql.entered, ql.connected), secondsBetween(ql.connected, now), itoa(ql.opos))
}

// qlogTransfer: the queue's agent transferred the caller blind to the agent
// of an extension (app_queue since Asterisk 12 writes BLINDTRANSFER where
// older versions wrote TRANSFER, with the same fields). The queue's part of
// the call ends here; the context is the tenant, in which extensions are
// unique.
//
//	BLINDTRANSFER|extension|context|holdtime|calltime|origposition
func (t *tenant) qlogTransfer(c *call, l *leg, to *agent) {
	ql := &c.ql
	if ql.state != qlogConnected || ql.member != l {
		return
	}
	now := t.now()
	ql.state = qlogDone
	t.qlog(now, string(c.id), ql.name, ql.agent, "BLINDTRANSFER", to.cfg.Extension, t.cfg.Tenant.Domain,
		secondsBetween(ql.entered, ql.connected), secondsBetween(ql.connected, now), itoa(ql.opos))
}

// qlogRingNoAnswer: an agent let the queue's offer ring out; it rang for
// the queue's ring time.
//
//	RINGNOANSWER|ringtime in milliseconds
func (t *tenant) qlogRingNoAnswer(c *call, l *leg) {
	if c.ql.state != qlogQueued || l.role != roleAnswer || c.direct {
		return
	}
	t.qlog(t.now(), string(c.id), c.ql.name, t.qlAgent(l.ag), "RINGNOANSWER", millis(t.ringTime(c)))
}

// qlogAbandon: the caller hung up while waiting or while an agent was being
// rung (that agent's ring is cancelled first, as in app_queue).
//
//	RINGCANCELED|ringtime in milliseconds
//	ABANDON|position|origposition|waittime
func (t *tenant) qlogAbandon(c *call) {
	ql := &c.ql
	if ql.state != qlogQueued {
		return
	}
	now := t.now()
	for _, l := range c.legs {
		if l.state == legOffered && l.role == roleAnswer {
			t.qlog(now, string(c.id), ql.name, t.qlAgent(l.ag), "RINGCANCELED", millis(now.Sub(l.offeredAt)))
		}
	}
	ql.state = qlogDone
	t.qlog(now, string(c.id), ql.name, qlNone, "ABANDON", itoa(t.position(c)), itoa(ql.opos), secondsBetween(ql.entered, now))
}

// qlogTimeout: the call waited its queue's maximum wait and leaves the
// queue (for another queue, an extension, or a goodbye).
//
//	EXITWITHTIMEOUT|position|origposition|waittime
func (t *tenant) qlogTimeout(c *call) {
	ql := &c.ql
	if ql.state != qlogQueued {
		return
	}
	now := t.now()
	ql.state = qlogDone
	t.qlog(now, string(c.id), ql.name, qlNone, "EXITWITHTIMEOUT", itoa(t.position(c)), itoa(ql.opos), secondsBetween(ql.entered, now))
}

// qlogEnd: the call ended. Whatever left it in a queue until now (its queue
// was deleted) closes it: EXITEMPTY, as app_queue writes when a queue has
// nobody left to take calls.
//
//	EXITEMPTY|position|origposition|waittime
func (t *tenant) qlogEnd(c *call, reason string) {
	ql := &c.ql
	switch ql.state {
	case qlogQueued:
		now := t.now()
		ql.state = qlogDone
		t.qlog(now, string(c.id), ql.name, qlNone, "EXITEMPTY", itoa(t.position(c)), itoa(ql.opos), secondsBetween(ql.entered, now))
	case qlogConnected:
		t.qlogComplete(c, reason)
	}
}

// qlogAgent follows an agent's state: login adds them to their queues
// (paused, since login lands in Not Ready), logout removes them, Not Ready
// pauses and Ready unpauses them. Wrapup and calls are no pause, as in
// app_queue; a call taken while Not Ready leaves the agent paused.
//
//	ADDMEMBER|PAUSED or ADDMEMBER|  (one line per queue)
//	REMOVEMEMBER|
//	PAUSEALL|reason, then PAUSE|reason per queue (queue NONE on PAUSEALL)
//	UNPAUSEALL|, then UNPAUSE| per queue
func (t *tenant) qlogAgent(ag *agent, tr wrapup.Transition) {
	if !t.qlogOn() {
		return
	}
	a := &ag.ql
	switch {
	case tr.From == wrapup.LoggedOut:
		*a = qlogAgent{name: t.qlAgent(ag), paused: tr.To == wrapup.NotReady, reason: tr.Reason}
		t.qlogMembers(ag)
	case tr.To == wrapup.LoggedOut:
		for _, q := range a.members {
			t.qlog(tr.At, qlNone, q, a.name, "REMOVEMEMBER", "")
		}
		*a = qlogAgent{}
	case tr.To == wrapup.NotReady && (!a.paused || a.reason != tr.Reason):
		t.qlogPause(ag, true, tr.Reason, tr.At)
	case tr.To == wrapup.Ready && a.paused:
		t.qlogPause(ag, false, "", tr.At)
	}
}

// qlogPause writes a pause or unpause in every queue of the agent, as
// app_queue's QueuePause without a queue name does; an agent of no queue is
// no queue member, and app_queue writes nothing for them.
func (t *tenant) qlogPause(ag *agent, paused bool, reason string, at time.Time) {
	a := &ag.ql
	a.paused, a.reason = paused, reason
	if len(a.members) == 0 {
		return
	}
	all, each := "UNPAUSEALL", "UNPAUSE"
	if paused {
		all, each = "PAUSEALL", "PAUSE"
	}
	t.qlog(at, qlNone, qlNone, a.name, all, reason)
	for _, q := range a.members {
		t.qlog(at, qlNone, q, a.name, each, reason)
	}
}

// qlogMembers brings a logged-in agent's queue memberships up to date:
// ADDMEMBER for each queue they are new in (at login, or added by an admin),
// REMOVEMEMBER for each they are no longer in (removed, renamed, deleted).
func (t *tenant) qlogMembers(ag *agent) {
	if !t.qlogOn() || ag.fsm.State() == wrapup.LoggedOut {
		return
	}
	a := &ag.ql
	want := make([]string, 0, len(ag.queues))
	for _, m := range ag.queues {
		if q := t.queues[ccaas.QueueID(m.Queue)]; q != nil {
			want = append(want, t.qlQueue(q))
		}
	}
	now := t.now()
	for _, q := range a.members {
		if !slices.Contains(want, q) {
			t.qlog(now, qlNone, q, a.name, "REMOVEMEMBER", "")
		}
	}
	paused := ""
	if a.paused {
		paused = "PAUSED"
	}
	for _, q := range want {
		if !slices.Contains(a.members, q) {
			t.qlog(now, qlNone, q, a.name, "ADDMEMBER", paused)
		}
	}
	a.members = want
}

package queuelog

import (
	"slices"
	"strconv"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/event"
	"github.com/ccaas/ccaas/wrapup"
)

// Book turns one tenant's events into the queue_log lines app_queue would
// write for them (README.md lists the events and the fields we fill). It
// keeps what it needs to remember of calls and agents itself, and is used
// from one goroutine: the tenant's loop.
//
// Names are made unique across tenants: a queue is "<queue name>@<domain>",
// an agent "<username>@<domain>", a call its ccaas call id.
type Book struct {
	domain   string
	log      func(Event)
	calls    map[ccaas.CallID]*bookCall
	agents   map[ccaas.AgentID]*bookAgent // logged-in agents
	memberOf map[ccaas.AgentID][]string   // each agent's queues, as named in lines
}

type callState int

const (
	outside   callState = iota // not in a queue
	queued                     // ENTERQUEUE written: waiting, or an agent is being rung
	connected                  // CONNECT written: the queue's agent talks to the caller
	done                       // left the queue: completed, transferred, abandoned or timed out
)

// bookCall is what the queue_log remembers of a call.
type bookCall struct {
	state     callState
	queue     ccaas.QueueID
	name      string    // the queue's name as written at ENTERQUEUE
	entered   time.Time // when it entered that queue
	opos      int       // its position then
	member    ccaas.AgentID
	agent     string // the connected queue agent's name
	connected time.Time
	ringing   []ring // agents the queue is ringing for it, in order
}

type ring struct {
	agent ccaas.AgentID
	name  string
	since time.Time
}

// bookAgent: the queues an agent was added to (ADDMEMBER), and whether they
// are paused (Not Ready) in them.
type bookAgent struct {
	name    string // "<username>@<domain>" as at login: one session, one name
	members []string
	paused  bool
	reason  string
}

// NewBook returns the book of the tenant with this domain; lines go to log,
// which must not block.
func NewBook(domain string, log func(Event)) *Book {
	return &Book{domain: domain, log: log, calls: make(map[ccaas.CallID]*bookCall),
		agents: make(map[ccaas.AgentID]*bookAgent), memberOf: make(map[ccaas.AgentID][]string)}
}

// Started is the line app_queue's log begins with: tools take QUEUESTART to
// mean that nobody is logged in and no call waits, which holds when ccaas
// starts.
func Started(at time.Time) Event {
	return Event{Time: at, CallID: None, Queue: None, Agent: None, Event: "QUEUESTART"}
}

// Apply writes the lines of events, in order.
func (b *Book) Apply(events []event.Event) {
	for _, ev := range events {
		switch e := ev.(type) {
		case event.Configured:
			b.configured(e)
		case event.AgentChanged:
			b.agentChanged(e)
		case event.CallQueued:
			b.queued(e)
		case event.CallOffered:
			if e.Part == ccaas.PartAnswer {
				c := b.call(e.Call)
				c.ringing = append(c.ringing, ring{agent: e.ID, name: b.agentName(e.Username), since: e.At})
			}
		case event.CallConnected:
			b.connected(e)
		case event.OfferMissed:
			b.missed(e)
		case event.AgentLeftCall:
			b.left(e)
		case event.CallTransferred:
			b.transferred(e)
		case event.ConsultEnded:
			if e.Outcome == event.ConsultCompleted {
				b.attended(e)
			}
		case event.CallAbandoned:
			b.abandoned(e)
		case event.CallTimedOut:
			b.timedOut(e)
		case event.CallLeftWithKey:
			b.leftWithKey(e)
		case event.CallEnded:
			b.ended(e)
		}
	}
}

func (b *Book) line(at time.Time, callID, queue, agent, event string, data ...string) {
	b.log(Event{Time: at, CallID: callID, Queue: queue, Agent: agent, Event: event, Data: data})
}

func (b *Book) queueName(name string) string { return name + "@" + b.domain }
func (b *Book) agentName(username string) string {
	return username + "@" + b.domain
}

func (b *Book) call(id ccaas.CallID) *bookCall {
	c := b.calls[id]
	if c == nil {
		c = &bookCall{}
		b.calls[id] = c
	}
	return c
}

func itoa(n int) string                        { return strconv.Itoa(n) }
func millis(d time.Duration) string            { return strconv.FormatInt(d.Milliseconds(), 10) }
func wholeSeconds(d time.Duration) string      { return strconv.FormatInt(int64(d/time.Second), 10) }
func secondsBetween(from, to time.Time) string { return strconv.FormatInt(to.Unix()-from.Unix(), 10) }

// queued: the call was put in a queue. A call that goes back to the queue
// it is in (its agent did not answer) has not left it, as in app_queue; one
// that comes back after its agent or a transfer let it go enters anew.
//
//	ENTERQUEUE|url|callernumber|position|callername
func (b *Book) queued(e event.CallQueued) {
	c := b.call(e.Call)
	if c.state == queued && c.queue == e.Queue {
		return
	}
	*c = bookCall{state: queued, queue: e.Queue, name: b.queueName(e.QueueName), entered: e.At, opos: e.Position, ringing: c.ringing}
	b.line(e.At, string(e.Call), c.name, None, "ENTERQUEUE", "", e.Number, itoa(c.opos), e.Name)
}

// connected: the agent the queue offered the call to is connected.
//
//	CONNECT|holdtime|bridgedchanneluniqueid|ringtime
func (b *Book) connected(e event.CallConnected) {
	c := b.call(e.Call)
	c.stopRinging(e.ID)
	if c.state != queued || !e.ByQueue {
		return
	}
	c.state, c.member, c.agent, c.connected = connected, e.ID, b.agentName(e.Username), e.At
	b.line(e.At, string(e.Call), c.name, c.agent, "CONNECT",
		secondsBetween(c.entered, e.At), e.Line, wholeSeconds(e.At.Sub(e.Offered)))
}

// left: an agent's part of the call ended. If it was the queue's connected
// agent, the queue's part of the call is complete.
func (b *Book) left(e event.AgentLeftCall) {
	c := b.call(e.Call)
	c.stopRinging(e.ID)
	if c.state == connected && c.member == e.ID {
		b.complete(e.Call, c, e.Reason, e.At)
	}
}

// complete: the queue's part of a call ends with its agent or its caller.
//
//	COMPLETECALLER|holdtime|calltime|origposition  (the caller hung up)
//	COMPLETEAGENT|holdtime|calltime|origposition   (the agent hung up or left)
func (b *Book) complete(id ccaas.CallID, c *bookCall, reason string, at time.Time) {
	ev := "COMPLETEAGENT"
	if reason == ccaas.EndCallerHangup {
		ev = "COMPLETECALLER"
	}
	c.state = done
	b.line(at, string(id), c.name, c.agent, ev, secondsBetween(c.entered, c.connected), secondsBetween(c.connected, at), itoa(c.opos))
}

// transferred: the queue's agent transferred the caller blind to the agent
// of an extension, or to another queue (app_queue since Asterisk 12 writes
// BLINDTRANSFER where older versions wrote TRANSFER, with the same fields).
// The queue's part of the call ends here; the context is the tenant, in
// which extensions are unique. A queue has no extension of its own: its
// name as this log names queues stands there (its ENTERQUEUE follows).
//
//	BLINDTRANSFER|extension|context|holdtime|calltime|origposition
func (b *Book) transferred(e event.CallTransferred) {
	c := b.call(e.Call)
	if c.state != connected || c.member != e.From {
		return
	}
	c.state = done
	to := e.Extension
	if e.Queue != 0 {
		to = b.queueName(e.QueueName)
	}
	b.line(e.At, string(e.Call), c.name, c.agent, "BLINDTRANSFER", to, b.domain,
		secondsBetween(c.entered, c.connected), secondsBetween(c.connected, e.At), itoa(c.opos))
}

// attended: the queue's agent completed a consultation: the caller joined
// the colleague in the call's bridge (app_queue writes this for a bridge
// merge). The queue's part of the call ends here.
//
//	ATTENDEDTRANSFER|BRIDGE|bridge|holdtime|calltime|origposition
func (b *Book) attended(e event.ConsultEnded) {
	c := b.call(e.Call)
	if c.state != connected || c.member != e.From {
		return
	}
	c.state = done
	b.line(e.At, string(e.Call), c.name, c.agent, "ATTENDEDTRANSFER", "BRIDGE", e.Bridge,
		secondsBetween(c.entered, c.connected), secondsBetween(c.connected, e.At), itoa(c.opos))
}

// missed: an agent let the queue's offer ring out.
//
//	RINGNOANSWER|ringtime in milliseconds
func (b *Book) missed(e event.OfferMissed) {
	c := b.call(e.Call)
	c.stopRinging(e.ID)
	if c.state != queued || !e.ByQueue {
		return
	}
	b.line(e.At, string(e.Call), c.name, b.agentName(e.Username), "RINGNOANSWER", millis(e.Ring))
}

// abandoned: the caller hung up while waiting or while an agent was being
// rung (that agent's ring is cancelled first, as in app_queue).
//
//	RINGCANCELED|ringtime in milliseconds
//	ABANDON|position|origposition|waittime
func (b *Book) abandoned(e event.CallAbandoned) {
	c := b.call(e.Call)
	if c.state != queued {
		return
	}
	for _, r := range c.ringing {
		b.line(e.At, string(e.Call), c.name, r.name, "RINGCANCELED", millis(e.At.Sub(r.since)))
	}
	c.ringing = nil
	c.state = done
	b.line(e.At, string(e.Call), c.name, None, "ABANDON", itoa(e.Position), itoa(c.opos), secondsBetween(c.entered, e.At))
}

// timedOut: the call waited its queue's maximum wait and leaves the queue
// (for another queue, an extension, or a goodbye).
//
//	EXITWITHTIMEOUT|position|origposition|waittime
func (b *Book) timedOut(e event.CallTimedOut) {
	c := b.call(e.Call)
	if c.state != queued {
		return
	}
	c.state = done
	b.line(e.At, string(e.Call), c.name, None, "EXITWITHTIMEOUT", itoa(e.Position), itoa(c.opos), secondsBetween(c.entered, e.At))
}

// leftWithKey: the caller pressed a key to leave the queue (for a callback
// or to leave a message), as app_queue writes for a caller leaving with a
// key of its context.
//
//	EXITWITHKEY|key|position|origposition|waittime
func (b *Book) leftWithKey(e event.CallLeftWithKey) {
	c := b.call(e.Call)
	if c.state != queued {
		return
	}
	c.state = done
	b.line(e.At, string(e.Call), c.name, None, "EXITWITHKEY", e.Key, itoa(e.Position), itoa(c.opos), secondsBetween(c.entered, e.At))
}

// ended: the call ended. Whatever left it in a queue until now (its queue
// was deleted) closes it: EXITEMPTY, as app_queue writes when a queue has
// nobody left to take calls.
//
//	EXITEMPTY|position|origposition|waittime
func (b *Book) ended(e event.CallEnded) {
	c := b.calls[e.Call]
	delete(b.calls, e.Call)
	if c == nil {
		return
	}
	switch c.state {
	case queued:
		b.line(e.At, string(e.Call), c.name, None, "EXITEMPTY", itoa(e.Position), itoa(c.opos), secondsBetween(c.entered, e.At))
	case connected:
		b.complete(e.Call, c, e.Reason, e.At)
	}
}

func (c *bookCall) stopRinging(agent ccaas.AgentID) {
	c.ringing = slices.DeleteFunc(c.ringing, func(r ring) bool { return r.agent == agent })
}

// agentChanged follows an agent's state: login adds them to their queues
// (paused, since login lands in Not Ready), logout removes them, Not Ready
// pauses and Ready unpauses them. Wrapup and calls are no pause, as in
// app_queue; a call taken while Not Ready leaves the agent paused.
//
//	ADDMEMBER|PAUSED or ADDMEMBER|  (one line per queue)
//	REMOVEMEMBER|
//	PAUSEALL|reason, then PAUSE|reason per queue (queue NONE on PAUSEALL)
//	UNPAUSEALL|, then UNPAUSE| per queue
func (b *Book) agentChanged(e event.AgentChanged) {
	a := b.agents[e.Agent]
	switch {
	case e.From == wrapup.LoggedOut:
		a = &bookAgent{name: b.agentName(e.Username), paused: e.To == wrapup.NotReady, reason: e.Reason}
		b.agents[e.Agent] = a
		b.members(a, b.memberOf[e.Agent], e.At)
	case a == nil:
	case e.To == wrapup.LoggedOut:
		for _, q := range a.members {
			b.line(e.At, None, q, a.name, "REMOVEMEMBER", "")
		}
		delete(b.agents, e.Agent)
	case e.To == wrapup.NotReady && (!a.paused || a.reason != e.Reason):
		b.pause(a, true, e.Reason, e.At)
	case e.To == wrapup.Ready && a.paused:
		b.pause(a, false, "", e.At)
	}
}

// pause writes a pause or unpause in every queue of the agent, as
// app_queue's QueuePause without a queue name does; an agent of no queue is
// no queue member, and app_queue writes nothing for them.
func (b *Book) pause(a *bookAgent, paused bool, reason string, at time.Time) {
	a.paused, a.reason = paused, reason
	if len(a.members) == 0 {
		return
	}
	all, each := "UNPAUSEALL", "UNPAUSE"
	if paused {
		all, each = "PAUSEALL", "PAUSE"
	}
	b.line(at, None, None, a.name, all, reason)
	for _, q := range a.members {
		b.line(at, None, q, a.name, each, reason)
	}
}

// configured: the queues each agent is a member of, in the configuration's
// order; a logged-in agent whose queues changed (added or removed by an
// admin, a queue renamed or deleted) is brought up to date.
func (b *Book) configured(e event.Configured) {
	clear(b.memberOf)
	for _, q := range e.Config.Queues {
		for _, m := range q.Members {
			b.memberOf[m.Agent] = append(b.memberOf[m.Agent], b.queueName(q.Name))
		}
	}
	for id, a := range b.agents {
		b.members(a, b.memberOf[id], e.At)
	}
}

// members brings an agent's memberships to want: REMOVEMEMBER for each
// queue they are no longer in, ADDMEMBER for each they are new in.
func (b *Book) members(a *bookAgent, want []string, at time.Time) {
	for _, q := range a.members {
		if !slices.Contains(want, q) {
			b.line(at, None, q, a.name, "REMOVEMEMBER", "")
		}
	}
	paused := ""
	if a.paused {
		paused = "PAUSED"
	}
	for _, q := range want {
		if !slices.Contains(a.members, q) {
			b.line(at, None, q, a.name, "ADDMEMBER", paused)
		}
	}
	a.members = slices.Clone(want)
}

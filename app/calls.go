package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/event"
	"github.com/ccaas/ccaas/queue"
	"github.com/ccaas/ccaas/wrapup"
)

// A call is the customer's channel (none for a call between two agents)
// and the agents taking part, each an agent leg. Agents never get a SIP call
// of their own: their persistent line is moved into the call's one mixing
// bridge when they join and out of it when they leave.

type legState int

const (
	legOffered legState = iota
	legConnecting
	legConnected
)

var legStateNames = [...]string{"offered", "connecting", "connected"}

func (s legState) String() string { return legStateNames[s] }

type legRole int

const (
	roleAnswer     legRole = iota // offered the call by the queue or to their extension
	roleTransfer                  // the target of a blind transfer
	roleConference                // added to the call by another agent
	roleDialer                    // placed the call
	roleCallee                    // called by another agent
	roleConsult                   // consulted by another agent about their caller (consult.go)
)

var legRoleNames = [...]string{ccaas.PartAnswer, ccaas.PartTransfer, ccaas.PartConference, ccaas.PartDialer, ccaas.PartCallee, ccaas.PartConsult}

func (r legRole) String() string { return legRoleNames[r] }

// leg is one agent's part in a call.
type leg struct {
	ag        *agent
	state     legState
	role      legRole
	offeredAt time.Time
	joinedAt  time.Time
	holdAt    time.Duration // the call's hold time when this agent joined
	gen       uint64        // bumps on every join attempt; stale results are dropped
	from      *agent        // who transferred the call to them or invited them
	muted     bool
	owed      *owed              // the wrapup of another call this part owes (consult.go)
	answerAt  time.Time          // when their Answer arrived (for the phase timing)
	pop       *cti.ScreenPopView // the screen pop their page opens for the call (nil for none)
}

func (t *tenant) onARI(ev ari.Event, at time.Time) {
	if t.room.event(ev) {
		return // a key pressed, a recording, a customer called back (room.go)
	}
	switch e := ev.(type) {
	case *ari.StasisStart:
		if _, ok := t.snoops[e.Channel.ID]; ok {
			t.snoopStarted(e.Channel.ID)
			return
		}
		if ag, ok := t.lines[e.Channel.ID]; ok {
			t.lineAnswered(ag, e.Channel.ID)
			return
		}
		if c, ok := t.byChan[e.Channel.ID]; ok && c.direction == ccaas.DirOutbound {
			t.outboundAnswered(c)
			return
		}
		if len(e.Args) >= 2 && e.Args[0] == "inbound" {
			t.inbound(e.Channel, e.Args[1], at)
			return
		}
		if isOurs(e.Channel.ID, kindLine) || isOurs(e.Channel.ID, kindCustomer) {
			// a line or a customer we originated and gave up on (the
			// originate timed out, but a slow Asterisk did it after all)
			id := e.Channel.ID
			t.log.Warn("hanging up a channel the app no longer wants", "channel", id)
			t.exec(&serial{}, "hang up stray channel", func(ctx context.Context) error { return ignoreGone(t.app.ari.Hangup(ctx, id, "")) }, nil)
		}
	case *ari.StasisEnd:
		t.channelGone(e.Channel.ID, "")
	case *ari.ChannelDestroyed:
		// originated channels that never reached Stasis (busy, no answer) end here
		t.channelGone(e.Channel.ID, dialFailure(e.Cause))
	case *ari.PlaybackFinished:
		t.playbackDone(e.Playback.ID)
	case *ari.RecordingFailed:
		t.recordingBroke(ccaas.RecordingID(e.Recording.Name), e.Recording.Cause)
	case *ari.ContactStatusChange:
		for _, ag := range t.agents {
			if ag.line.endpoint == e.Endpoint.Resource && ag.line.endpoint != "" {
				t.phoneStatus(ag, e.ContactInfo.ContactStatus)
			}
		}
	}
}

// dialFailure names why an originated channel ended before it was answered.
func dialFailure(cause int) string {
	switch cause {
	case 17:
		return ccaas.EndBusy
	case 18, 19, 21:
		return ccaas.EndNoAnswer
	}
	return ccaas.EndFailed
}

// channelGone handles the end of a customer's or a line's channel.
func (t *tenant) channelGone(id, failure string) {
	if c, ok := t.byChan[id]; ok {
		delete(t.byChan, id)
		if t.taskCustomerGone(c, id, failure) {
			return // a customer called back who did not answer (tasks.go)
		}
		reason := ccaas.EndCallerHangup
		if c.direction == ccaas.DirOutbound && !c.customerUp && failure != "" {
			reason = failure
		}
		t.callerGone(c, reason)
		return
	}
	if ag, ok := t.lines[id]; ok {
		delete(t.lines, id)
		t.lineLost(ag, id)
		return
	}
	if sup, ok := t.snoops[id]; ok {
		delete(t.snoops, id)
		if sup.watch != nil && sup.watch.snoop == id {
			sup.watch.snoop = ""
			t.stopWatch(sup, "failed")
		}
	}
}

// --- inbound calls --------------------------------------------------------

// inbound: a caller arrived at a DID (at: when their StasisStart reached
// the app). When every item of attached data rode on the channel snapshot,
// the call is queued at once, so an agent who is Ready is offered it while
// Asterisk answers the caller; otherwise the missing variables are read
// first, so that the offer carries them.
func (t *tenant) inbound(ch ari.Channel, did string, at time.Time) {
	q := t.dids[did]
	if q == nil {
		t.log.Warn("inbound call to unknown DID", "did", did, "channel", ch.ID)
		t.exec(&serial{}, "hangup unrouted", func(ctx context.Context) error { return t.app.ari.Hangup(ctx, ch.ID, "") }, nil)
		return
	}
	if reason := t.full(); reason != "" {
		t.refuse(ch, q, reason)
		return
	}
	c := &call{
		id:         ccaas.CallID(newID(kindCall, t.cfg.Tenant.ID)),
		direction:  ccaas.DirInbound,
		customer:   ch.ID,
		customerUp: true,
		caller:     ch.Caller,
		did:        did,
		queue:      q,
		arrived:    t.now(),
		data:       []cti.DataItem{},
		stasisAt:   at,
	}
	t.calls[c.id] = c
	t.byChan[ch.ID] = c
	t.log.Info("inbound call", "call", c.id, "caller", c.caller.Number, "queue", q.Name)
	// Attached data rides on the channel snapshot when ari.conf lists the
	// variables in channelvars; the others are read before the call is
	// queued, so that the offer carries them.
	vars := t.cfg.Variables
	values := make([]string, len(vars))
	var missing []int
	for i, v := range vars {
		if val, ok := ch.ChannelVars[v.Variable]; ok {
			values[i] = val
		} else {
			missing = append(missing, i)
		}
	}
	fill := func() {
		for i, v := range vars {
			c.data = append(c.data, cti.DataItem{Key: v.Key, Value: values[i]})
		}
	}
	if len(missing) == 0 {
		fill()
		t.exec(&c.ops, "answer customer", func(ctx context.Context) error {
			return t.app.ari.Answer(ctx, ch.ID)
		}, func(err error) { t.answered(c, err) })
		t.wait(c, q)
		return
	}
	var answered bool
	t.exec(&c.ops, "answer customer", func(ctx context.Context) error {
		if err := t.app.ari.Answer(ctx, ch.ID); err != nil {
			return err
		}
		answered = true
		for _, i := range missing {
			val, err := t.app.ari.GetVariable(ctx, ch.ID, vars[i].Variable)
			if err != nil && !errors.Is(err, ari.ErrNotFound) { // 404: not set by the IVR
				// attached data is not worth losing the caller: shown empty
				t.log.Warn("could not read a call variable", "call", c.id, "variable", vars[i].Variable, "err", err)
			}
			values[i] = val
		}
		return nil
	}, func(err error) {
		fill()
		if !answered {
			t.answered(c, err)
			return
		}
		if c.state == callArriving { // else the caller hung up meanwhile
			t.wait(c, q)
			t.answered(c, nil)
		}
	})
}

// answered: Asterisk answered the caller (or could not). A caller who
// cannot be answered cannot be served: they are hung up rather than left
// ringing in Stasis. An answered caller hears music on hold unless an agent
// is already taking the call.
func (t *tenant) answered(c *call, err error) {
	if c.state == callEnded {
		return // the caller hung up meanwhile
	}
	if errors.Is(err, ari.ErrNotFound) {
		// Asterisk has no such channel: the caller hung up as they
		// arrived, and their StasisEnd is on its way. Hung up anyway,
		// should the channel linger.
		t.callerGone(c, ccaas.EndCallerHangup)
		t.hangupCustomer(c)
		return
	}
	if err != nil {
		t.endCall(c, ccaas.EndFailed)
		return
	}
	if c.needsMusic() {
		t.startMusic(c, "music while waiting", nil)
	}
}

// route offers waiting calls to Ready agents until no match is left.
func (t *tenant) route() {
	for {
		cid, aid, ok := t.router.Next()
		if !ok {
			return
		}
		c, ag := t.calls[ccaas.CallID(cid)], t.agents[ccaas.AgentID(aid)]
		if c == nil || ag == nil || c.state != callWaiting {
			// never expected: keep the router from choosing them again
			t.log.Error("router chose a call or agent that is not available", "call", cid, "agent", aid)
			t.router.Remove(cid)
			t.router.SetUnavailable(aid)
			continue
		}
		t.offer(c, ag, roleAnswer, nil)
	}
}

// offer rings an agent for a call. A queue offer (roleAnswer through the
// router) and transfers and conferences reach Ready agents only; a call to
// an agent's extension (direct) may reach a Not Ready agent.
func (t *tenant) offer(c *call, ag *agent, role legRole, from *agent) error {
	now := t.now()
	ringUntil := now.Add(c.ringTime())
	var (
		trs []wrapup.Transition
		err error
	)
	if c.direct || role == roleCallee {
		trs, err = ag.fsm.OfferDirect(now, ringUntil)
	} else {
		trs, err = ag.fsm.Offer(now, ringUntil)
	}
	if err != nil {
		t.applied(ag, trs)
		return err
	}
	t.router.Take(queue.CallID(c.id)) // should it come back, it keeps its turn; the end of the call forgets it
	l := &leg{ag: ag, state: legOffered, role: role, offeredAt: now, from: from, pop: t.screenPop(c, ag)}
	c.legs = append(c.legs, l)
	if c.state == callWaiting || c.state == callArriving {
		c.state = callOffered
	}
	t.armCallTimers(c) // no maximum wait or announcements while an agent is being offered the call
	ag.call, ag.leg = c, l
	if role == roleConsult {
		c.consult = l // the consultation is on from its offer (consult.go)
	}
	t.emit(event.CallOffered{At: now, Call: c.id, Agent: c.part(l)})
	t.applied(ag, trs)
	t.log.Info("call offered", "call", c.id, "agent", ag.cfg.Username, "role", role)
	t.send(ag, cti.Message{Type: cti.MsgOffer, Call: callView(c, l)})
	if c.offers == 0 && !c.stasisAt.IsZero() && c.queuedIn == t.inputs {
		t.observe(PhaseOffer, now.Sub(c.stasisAt)) // found an agent Ready on arrival
	}
	c.offers++
	t.prepareBridge(c)
	return nil
}

// prepareBridge creates the bridge of a caller's call while the offer
// rings, so that the agent's Answer needs one request (addChannel) before
// they talk. A call that goes back to its queue loses it (backToQueue).
func (t *tenant) prepareBridge(c *call) {
	if c.bridge != "" || c.customer == "" || c.state == callConnected {
		return
	}
	c.bridge = newID(kindCallBridge, t.cfg.Tenant.ID)
	bridge, p := c.bridge, &preparedBridge{}
	c.prepared = p
	t.exec(&c.bridgeOps, "create call bridge", func(ctx context.Context) error {
		_, err := t.app.ari.CreateBridge(ctx, ari.BridgeRequest{ID: bridge, Type: ari.BridgeMixing, Name: bridge})
		if err != nil {
			p.failed = true
			t.sweepBridge(bridge, err)
		}
		return err
	}, nil) // a failure shows when the agent answers (connect), and the call goes back to its queue
}

// preparedBridge is what became of a bridge made while an offer rang. Only
// the operations of the call's bridgeOps serial touch it: connect runs after
// the creation, so it reads failed safely.
type preparedBridge struct {
	failed bool // the creation failed: a late creation may still come, and be swept
}

// observe reports a phase's time (Config.ObservePhase).
func (t *tenant) observe(phase string, d time.Duration) {
	if f := t.app.cfg.ObservePhase; f != nil {
		f(phase, d)
	}
}

func (c *call) ringTime() time.Duration {
	if c.queue != nil {
		return time.Duration(c.queue.RingSeconds) * time.Second
	}
	return defaultRing
}

// defaultRing is how long an agent is rung for a call that did not come
// through a queue (agent to agent).
const defaultRing = 20 * time.Second

// answer: the agent takes the offered call; their line joins the bridge.
// at is when the Answer arrived.
func (t *tenant) answer(ag *agent, id ccaas.CallID, at time.Time) error {
	c, l, err := t.legOf(ag, id)
	if err != nil {
		return err
	}
	if l.state != legOffered {
		return fmt.Errorf("%w: the call is %s, not ringing", ErrNotAllowed, l.state)
	}
	if ag.line.state != lineUp {
		return fmt.Errorf("%w: your phone line is not up", ErrNotAllowed)
	}
	if err := t.step(ag, wrapup.InAnswer, ""); err != nil {
		return err
	}
	l.state, l.answerAt = legConnecting, at
	t.send(ag, cti.Message{Type: cti.MsgCall, Call: callView(c, l)})
	t.connect(c, l)
	return nil
}

// connect moves an agent's line into the call's bridge, creating the bridge
// and bringing the customer in when they are not there yet (a new call, or
// one being transferred). The bridge of a queue call was made while the offer rang, and the
// customer's music or announcement is stopped while the channels are added
// (Asterisk runs both on the customer's channel in the order they arrive,
// and either order ends with the customer in the bridge and the music off):
// answering a queue call costs one round trip.
func (t *tenant) connect(c *call, l *leg) {
	if t.connectTask(c, l) {
		return // a callback or a voicemail (tasks.go)
	}
	ids := []string{l.ag.line.channel}
	bringCustomer := c.customer != "" && c.customerUp && !c.customerIn && !c.held
	if bringCustomer {
		ids = append(ids, c.customer)
	}
	create := c.bridge == ""
	if create {
		c.bridge = newID(kindCallBridge, t.cfg.Tenant.ID)
	}
	l.gen++
	bridge, customer, playback, gen, prepared := c.bridge, c.customer, c.playback, l.gen, c.prepared
	stopMusic := bringCustomer && c.music
	c.playback = ""
	if bringCustomer {
		c.music = false
	}
	t.execAfter([]*serial{&c.ops, &c.bridgeOps, &l.ag.line.ops}, "connect agent", func(ctx context.Context) error {
		a := t.app.ari
		if prepared != nil && prepared.failed {
			// never into a bridge whose creation failed: a late one is swept
			return fmt.Errorf("connect agent: the call bridge %s could not be created", bridge)
		}
		if create {
			if _, err := a.CreateBridge(ctx, ari.BridgeRequest{ID: bridge, Type: ari.BridgeMixing, Name: bridge}); err != nil {
				t.sweepBridge(bridge, err)
				return err
			}
		}
		ops := []func(context.Context) error{func(ctx context.Context) error { return a.AddChannel(ctx, bridge, ids...) }}
		switch {
		case playback != "":
			ops = append(ops, func(ctx context.Context) error { return ignoreGone(a.StopPlayback(ctx, playback)) })
		case stopMusic:
			ops = append(ops, func(ctx context.Context) error { return ignoreGone(a.StopMOH(ctx, customer)) })
		}
		return together(ctx, ops...)
	}, func(err error) { t.joined(c, l, gen, bringCustomer, err) })
	if bringCustomer {
		c.customerIn = true
	}
}

// sweepBridge: a bridge whose creation got no answer (a timeout, a broken
// connection) may still be created by a slow Asterisk after the app gave
// up, and nothing would ever destroy it. It is destroyed again a few times,
// waiting RequestTimeout and doubling, for about two minutes. It runs on its
// own goroutine and touches no tenant state.
func (t *tenant) sweepBridge(id string, err error) {
	var status *ari.Error
	if errors.As(err, &status) {
		return // Asterisk answered: it did not create it
	}
	go func() {
		for wait := t.app.cfg.RequestTimeout; wait <= time.Minute; wait *= 2 {
			timer := time.NewTimer(wait)
			select {
			case <-timer.C:
			case <-t.app.done:
				timer.Stop()
				return
			}
			ctx, cancel := t.app.opContext()
			err := t.app.ari.DestroyBridge(ctx, id)
			cancel()
			if err == nil {
				t.log.Warn("destroyed a bridge created after its request timed out", "bridge", id)
				return
			}
		}
	}()
}

// joined: the agent's line is in the bridge (or could not be put there).
func (t *tenant) joined(c *call, l *leg, gen uint64, withCustomer bool, err error) {
	if l.gen != gen || !c.has(l) || l.state != legConnecting {
		return // the call ended or the agent left meanwhile
	}
	ag := l.ag
	if err != nil {
		t.log.Warn("could not connect agent", "call", c.id, "agent", ag.cfg.Username, "err", err)
		if withCustomer {
			c.customerIn = false
		}
		t.agentLost(c, l, ccaas.EndFailed)
		return
	}
	now := t.now()
	l.state, l.joinedAt, l.holdAt = legConnected, now, c.holdSoFar(now)
	first := c.answeredAt.IsZero()
	if first {
		c.answeredAt = now
	}
	c.state = callConnected
	if first {
		t.recordOnAnswer(c)
	}
	if l.role == roleAnswer && c.queue != nil && !c.direct {
		t.router.CallAnswered(queue.AgentID(ag.cfg.ID)) // fewest calls and round robin count routed calls only
	}
	if l.role == roleConference {
		c.joins++
	}
	t.emit(event.CallConnected{At: now, Call: c.id, Agent: c.part(l), Offered: l.offeredAt, Line: ag.line.channel})
	if !l.answerAt.IsZero() {
		t.observe(PhaseConnect, now.Sub(l.answerAt))
	}
	t.step(ag, wrapup.InConnected, "")
	if l.role == roleCallee {
		// the agent who dialled is connected now too
		if d := c.legWithRole(roleDialer); d != nil && d.state == legConnecting {
			d.state, d.joinedAt, d.holdAt = legConnected, now, c.holdSoFar(now)
			t.emit(event.CallConnected{At: now, Call: c.id, Agent: c.part(d), Offered: d.offeredAt, Line: d.ag.line.channel})
			t.step(d.ag, wrapup.InConnected, "")
		}
	}
	t.log.Info("agent joined call", "call", c.id, "agent", ag.cfg.Username, "role", l.role)
	t.broadcast(c, l, "joined")
}

// broadcast sends every agent of the call its updated view, and the others a
// notice of what changed about who ("joined", "left", ...).
func (t *tenant) broadcast(c *call, who *leg, what string) {
	if who == nil {
		t.announce(c, nil, nil, what)
		return
	}
	t.announce(c, who, who.ag, what)
}

// announce sends every agent of the call its updated view, and those talking
// on it (but skip) a notice of what `who` did; who may be a supervisor
// without a leg of their own.
func (t *tenant) announce(c *call, skip *leg, who *agent, what string) {
	for _, l := range c.legs {
		t.send(l.ag, cti.Message{Type: cti.MsgCall, Call: callView(c, l)})
		if who != nil && l != skip && what != "" && l.state != legOffered {
			t.send(l.ag, cti.Message{Type: cti.MsgNotice, Notice: &cti.NoticeView{Kind: what, Name: who.cfg.Name, Extension: who.cfg.Extension, Call: c.id}})
		}
	}
}

// legOf finds the agent's leg of the call they name.
func (t *tenant) legOf(ag *agent, id ccaas.CallID) (*call, *leg, error) {
	c, l := ag.call, ag.leg
	if c == nil || l == nil || c.id != id || id == "" {
		return nil, nil, fmt.Errorf("%w: %q is not your call", ErrNoSuchCall, id)
	}
	return c, l, nil
}

// hangup from the agent's toolbar: the agent leaves the call. The call ends
// when no agent is left with the customer (or, between agents, when one of
// the two leaves).
func (t *tenant) hangup(ag *agent, id ccaas.CallID) error {
	c, l, err := t.legOf(ag, id)
	if err != nil {
		return err
	}
	if l.state == legOffered {
		return fmt.Errorf("%w: the call is ringing; answer it first", ErrNotAllowed)
	}
	if k := c.consult; k != nil && k.from == ag {
		t.consultHangup(c, l)
		return nil
	}
	if t.hangupTask(c, l) {
		return nil // a callback still ringing the customer (tasks.go)
	}
	if c.agentsWith(l) == 0 {
		t.endCall(c, ccaas.EndAgentHangup)
		return nil
	}
	t.release(c, l, ccaas.EndLeft)
	t.broadcast(c, l, "left")
	return nil
}

// agentsWith counts the agents other than l who are on the call with the
// customer, or who are connected to l in a call between agents.
func (c *call) agentsWith(l *leg) int {
	n := 0
	for _, o := range c.legs {
		if o != l && o.state != legOffered {
			n++
		}
	}
	if c.customer == "" && n > 0 {
		n-- // a call between agents needs two
	}
	return n
}

// release takes one agent out of the call: their line leaves the call's
// bridge (to wait in Stasis for the next call), their call
// ends for them with reason, and their state moves on (wrapup only after an
// inbound queue call they answered and talked in).
func (t *tenant) release(c *call, l *leg, reason string) {
	ag := l.ag
	c.remove(l)
	t.consultPartGone(c, l, reason)
	v := callView(c, l)
	v.State, v.EndReason = callEnded.String(), reason
	now := t.now().UTC()
	v.EndedAt = &now
	t.send(ag, cti.Message{Type: cti.MsgCall, Call: v})
	last, q := dispositionOf(c, l) // after a consultation, the wrapup is the owed call's (consult.go)
	ag.call, ag.leg, ag.lastCall, ag.lastQueue = nil, nil, last, queueID(q)
	t.partEnded(c, l, reason)
	if l.state != legOffered && ag.line.state == lineUp && c.bridge != "" {
		bridge, lineCh, muted := c.bridge, ag.line.channel, l.muted
		t.execAfter([]*serial{&c.ops, &ag.line.ops}, "line out of the call", func(ctx context.Context) error {
			if muted {
				if err := ignoreGone(t.app.ari.Unmute(ctx, lineCh, "in")); err != nil {
					return err
				}
			}
			// not in it (its addChannel failed) is out of it
			return ignoreNotInBridge(ignoreGone(t.app.ari.RemoveChannel(ctx, bridge, lineCh)))
		}, func(err error) {
			if err != nil && ag.line.channel == lineCh {
				t.strayLine(ag, lineCh)
			}
		})
	}
	if !ag.fsm.OnCall() {
		return
	}
	if l.state == legOffered {
		t.step(ag, wrapup.InWithdraw, "")
		return
	}
	t.endPart(ag, c, l) // wrapup, and a wrapup code the queue requires (disposition.go)
}

// partEnded records the end of an agent's part in a call, for the events
// and the call's record, and ends the listening in on it.
func (t *tenant) partEnded(c *call, l *leg, reason string) {
	now := t.now()
	t.stopWatchers(c, l.ag)
	t.emit(event.AgentLeftCall{At: now, Call: c.id, Agent: c.part(l), Reason: reason})
	rec := legRecord{agent: l.ag.cfg.ID, role: l.role, offeredAt: l.offeredAt, joinedAt: l.joinedAt, leftAt: now, reason: reason}
	if !l.joinedAt.IsZero() {
		rec.hold = c.holdSoFar(now) - l.holdAt
	}
	c.history = append(c.history, rec)
}

// queueID is the queue's id, 0 for none.
func queueID(q *ccaas.Queue) ccaas.QueueID {
	if q == nil {
		return 0
	}
	return q.ID
}

// endCall ends the call for everyone: agents are released, the customer hung
// up (unless they hung up themselves) and the bridge destroyed.
func (t *tenant) endCall(c *call, reason string) {
	for len(c.legs) > 0 {
		t.release(c, c.legs[0], reason)
	}
	t.router.Remove(queue.CallID(c.id))
	t.end(c, reason)
	t.armCallTimers(c)
	if c.customer != "" && reason != ccaas.EndCallerHangup {
		t.hangupCustomer(c)
	}
	if bridge := c.bridge; bridge != "" {
		t.execAfter([]*serial{&c.ops, &c.bridgeOps}, "destroy call bridge", func(ctx context.Context) error {
			return ignoreGone(t.app.ari.DestroyBridge(ctx, bridge))
		}, nil)
	}
	if c.customer == "" || reason == ccaas.EndCallerHangup {
		delete(t.calls, c.id)
	} // else the customer's StasisEnd is still to come and removes the call
	t.log.Info("call ended", "call", c.id, "reason", reason)
}

// end marks a call ended, once, with what is kept of it.
func (t *tenant) end(c *call, reason string) {
	c.ends++
	c.state, c.endedAt, c.endReason = callEnded, t.now(), reason
	c.endHold(c.endedAt)
	t.emit(event.CallEnded{At: c.endedAt, Call: c.id, Reason: reason, Position: t.position(c), Record: c.record(t.cfg.Tenant.ID)})
	t.taskEnded(c, reason)
}

// record builds a call's record when it ends.
func (c *call) record(tenant ccaas.TenantID) ccaas.CallRecord {
	r := ccaas.CallRecord{
		ID: c.id, Tenant: tenant, Direction: c.direction,
		Number: c.caller.Number, Name: c.caller.Name, DID: c.did,
		Arrived: c.arrived, Answered: c.answeredAt, Ended: c.endedAt,
		Hold: c.holdTotal, Transfers: c.transfers, Joins: c.joins, EndReason: c.endReason,
		Estimate: c.estimate, Estimated: c.estimated,
	}
	if c.queue != nil {
		r.Queue, r.QueueName = c.queue.ID, c.queue.Name
	}
	if c.answeredAt.IsZero() {
		r.Wait = c.endedAt.Sub(c.arrived)
	} else {
		r.Wait = c.answeredAt.Sub(c.arrived)
		r.Talk = max(c.endedAt.Sub(c.answeredAt)-c.holdTotal, 0)
	}
	for _, h := range c.history {
		r.Agents = append(r.Agents, ccaas.CallAgent{Agent: h.agent, Role: h.role.String(), Offered: h.offeredAt, Joined: h.joinedAt, Left: h.leftAt, Hold: h.hold, Outcome: h.reason})
	}
	c.rec.addTo(&r, c.endedAt)
	return r
}

// callerGone: the customer's channel ended.
func (t *tenant) callerGone(c *call, reason string) {
	if t.consultCustomerGone(c) {
		return
	}
	if c.queue != nil && inQueue(c) {
		t.emit(event.CallAbandoned{At: t.now(), Call: c.id, Position: t.position(c)})
	}
	c.customerUp, c.customerIn = false, false
	switch c.state {
	case callArriving, callWaiting:
		t.log.Info("caller abandoned", "call", c.id, "waited", t.now().Sub(c.arrived))
		t.endCall(c, reason)
	case callOffered, callConnected:
		t.endCall(c, reason)
	case callAside:
		t.endCall(c, t.asideEndReason(c, reason))
	case callEnded:
		t.armCallTimers(c) // a goodbye's timer
		delete(t.calls, c.id)
	}
}

// agentLost: an agent's side failed (line lost, bridge failure, session
// ended) during the call. The customer is never lost: if no other agent is
// with them, a queue call goes back to the head of its queue and any other
// call ends politely.
func (t *tenant) agentLost(c *call, l *leg, reason string) {
	if t.consultAgentLost(c, l, reason) {
		return
	}
	alone := c.agentsWith(l) == 0
	t.release(c, l, reason)
	if !alone {
		t.broadcast(c, l, "left")
		return
	}
	if t.taskBack(c) {
		return // a callback or voicemail goes back to its place (tasks.go)
	}
	if c.customer == "" {
		t.endCall(c, reason)
		return
	}
	t.backToQueueOrGoodbye(c)
}

// backToQueueOrGoodbye puts a call whose agents are gone back at the head of
// its queue, or ends a call that has no queue politely.
func (t *tenant) backToQueueOrGoodbye(c *call) {
	for len(c.legs) > 0 {
		t.release(c, c.legs[0], ccaas.EndWithdrawn)
	}
	if c.queue == nil || c.direct || !c.customerUp {
		t.goodbye(c, ccaas.EndFailed)
		return
	}
	t.backToQueue(c)
}

// backToQueue puts a call at the head of its queue (it keeps its arrival
// time) with music on hold.
func (t *tenant) backToQueue(c *call) {
	if t.taskBack(c) {
		return
	}
	bridge := c.bridge
	c.bridge, c.prepared, c.answeredAt, c.customerIn, c.held = "", nil, time.Time{}, false, false
	t.wait(c, c.queue)
	t.startMusic(c, "customer back to queue", func(ctx context.Context) error {
		if bridge == "" {
			return nil
		}
		return ignoreGone(t.app.ari.DestroyBridge(ctx, bridge))
	})
}

// needsMusic: the customer is up but in no conversation and hears no
// message, so unless music plays they hear silence.
func (c *call) needsMusic() bool {
	return c.state != callEnded && c.customer != "" && c.customerUp && !c.customerIn && c.playback == ""
}

// startMusic plays the customer music on hold, after the steps before it
// (leaving a bridge …). Should Asterisk fail it or not answer, a customer
// who still waits in silence is said goodbye: never left silent.
func (t *tenant) startMusic(c *call, what string, before func(ctx context.Context) error) {
	customer, class := c.customer, c.mohClass()
	c.music = true
	// after the bridge's creation too: before may destroy it (backToQueue)
	t.execAfter([]*serial{&c.ops, &c.bridgeOps}, what, func(ctx context.Context) error {
		if before != nil {
			if err := before(ctx); err != nil {
				return err
			}
		}
		err := t.app.ari.StartMOH(ctx, customer, class)
		if errors.Is(err, ari.ErrNotFound) {
			// the caller may have hung up (the offer goes out while
			// Asterisk answers them, so this can come before their
			// StasisEnd): only then is their channel gone
			if _, gone := t.app.ari.GetChannel(ctx, customer); errors.Is(gone, ari.ErrNotFound) {
				return errCallerGone
			}
		}
		return err
	}, func(err error) {
		if errors.Is(err, errCallerGone) {
			if c.state != callEnded {
				t.callerGone(c, ccaas.EndCallerHangup)
				t.hangupCustomer(c) // should the channel linger
			}
			return
		}
		if err != nil && c.needsMusic() {
			t.endSilent(c)
		}
	})
}

// errCallerGone: the customer's channel is gone from Asterisk.
var errCallerGone = errors.New("the caller's channel is gone")

// endSilent ends a call whose customer cannot be given sound (no music, no
// way back to an agent): agents are released and the customer hears
// goodbye, or is hung up should that fail too.
func (t *tenant) endSilent(c *call) {
	if c.state == callEnded {
		return
	}
	t.log.Warn("the customer would be left in silence; ending the call politely", "call", c.id)
	for len(c.legs) > 0 {
		t.release(c, c.legs[0], ccaas.EndFailed)
	}
	t.goodbye(c, ccaas.EndFailed)
}

// missed: the agent let an offer ring out (they are Not Ready now).
func (t *tenant) missed(c *call, l *leg) {
	t.log.Info("ring no answer", "call", c.id, "agent", l.ag.cfg.Username, "role", l.role)
	t.emit(event.OfferMissed{At: t.now(), Call: c.id, Agent: c.part(l), Ring: c.ringTime()})
	t.release(c, l, ccaas.EndWithdrawn)
	switch l.role {
	case roleConference, roleConsult:
		// the one who invited or consulted them goes on (after a
		// consultation with the customer on hold)
		t.noticeTo(l.from, c, "no_answer", l.ag)
		t.broadcast(c, nil, "")
	case roleCallee:
		t.endCall(c, ccaas.EndNoAnswer)
	case roleTransfer:
		if c.queue != nil && !c.direct {
			t.backToQueue(c)
		} else if back := l.from; back != nil && t.reachable(back) {
			t.offer(c, back, roleAnswer, nil)
		} else {
			t.goodbye(c, ccaas.EndNoAnswer)
		}
	default:
		if c.connectedAgents() > 0 {
			return
		}
		if c.direct {
			t.goodbye(c, ccaas.EndWithdrawn) // an overflow to this extension has nowhere else to go
		} else {
			t.backToQueue(c)
		}
	}
}

func (t *tenant) noticeTo(ag *agent, c *call, kind string, who *agent) {
	if ag == nil || ag.call != c {
		return
	}
	t.send(ag, cti.Message{Type: cti.MsgNotice, Notice: &cti.NoticeView{Kind: kind, Name: who.cfg.Name, Extension: who.cfg.Extension, Call: c.id}})
}

// --- call helpers -----------------------------------------------------------

func (c *call) has(l *leg) bool {
	for _, o := range c.legs {
		if o == l {
			return true
		}
	}
	return false
}

func (c *call) remove(l *leg) {
	for i, o := range c.legs {
		if o == l {
			c.legs = append(c.legs[:i], c.legs[i+1:]...)
			return
		}
	}
}

func (c *call) legWithRole(r legRole) *leg {
	for _, l := range c.legs {
		if l.role == r {
			return l
		}
	}
	return nil
}

// holdSoFar is the call's hold time until now, the current hold included.
func (c *call) holdSoFar(now time.Time) time.Duration {
	if c.held {
		return c.holdTotal + now.Sub(c.heldSince)
	}
	return c.holdTotal
}

// invited is the part of an agent being offered the call (invited to a
// conference, or consulted), if any: a call has one at a time.
func (c *call) invited() *leg {
	for _, l := range c.legs {
		if l.state == legOffered {
			return l
		}
	}
	return nil
}

// endHold counts a hold that ends now without bringing the customer back
// (the call ends or moves on): the hold's time is added, and it is over.
func (c *call) endHold(now time.Time) {
	c.holdTotal, c.held = c.holdSoFar(now), false
}

// part names an agent's leg for the events.
func (c *call) part(l *leg) event.Agent {
	return event.Agent{ID: l.ag.cfg.ID, Username: l.ag.cfg.Username, Part: l.role.String(),
		ByQueue: l.role == roleAnswer && c.queue != nil && !c.direct}
}

func (c *call) connectedAgents() int {
	n := 0
	for _, l := range c.legs {
		if l.state != legOffered {
			n++
		}
	}
	return n
}

// full says whether a new caller must be refused, and why: this ccaas or
// the tenant carries as many calls as it may (Config.MaxCalls,
// MaxTenantCalls). "" when there is room.
func (t *tenant) full() string {
	cfg := t.app.cfg
	switch {
	case cfg.MaxCalls > 0 && t.app.calls.Load() >= int64(cfg.MaxCalls):
		return event.RefusedNode
	case cfg.MaxTenantCalls > 0 && len(t.calls) >= cfg.MaxTenantCalls:
		return event.RefusedTenant
	}
	return ""
}

// refuse turns a caller away as they arrive: one request, and Asterisk
// gives them busy. It is counted (CallRefused) and logged when refusals
// start, not for each caller: a flood of callers must not become a flood of
// log lines.
func (t *tenant) refuse(ch ari.Channel, q *ccaas.Queue, reason string) {
	if !t.refusing {
		t.refusing = true
		t.log.Warn("at the limit of concurrent calls: refusing new callers with busy", "limit", reason,
			"node_calls", t.app.calls.Load(), "tenant_calls", len(t.calls))
	}
	t.emit(event.CallRefused{At: t.now(), Queue: q.ID, QueueName: q.Name, Number: ch.Caller.Number, Reason: reason})
	id := ch.ID
	t.exec(&serial{}, "refuse caller", func(ctx context.Context) error {
		return ignoreGone(t.app.ari.Hangup(ctx, id, "busy"))
	}, nil)
}

package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/queue"
	"github.com/ccaas/ccaas/wrapup"
)

func (t *tenant) onARI(ev ari.Event) {
	switch e := ev.(type) {
	case *ari.StasisStart:
		if ag, ok := t.lines[e.Channel.ID]; ok {
			t.lineAnswered(ag, e.Channel.ID)
			return
		}
		if len(e.Args) >= 2 && e.Args[0] == "inbound" {
			t.inbound(e.Channel, e.Args[1])
		}
	case *ari.StasisEnd:
		t.channelGone(e.Channel.ID)
	case *ari.ChannelDestroyed:
		// originated lines that never reached Stasis end here
		t.channelGone(e.Channel.ID)
	case *ari.PlaybackFinished:
		t.playbackDone(e.Playback.ID)
	}
}

// channelGone handles the end of a customer's or a line's channel.
func (t *tenant) channelGone(id string) {
	if c, ok := t.byChan[id]; ok {
		delete(t.byChan, id)
		t.callerHungUp(c)
		return
	}
	if ag, ok := t.lines[id]; ok {
		delete(t.lines, id)
		t.lineLost(ag, id)
	}
}

// --- inbound calls --------------------------------------------------------

func (t *tenant) inbound(ch ari.Channel, did string) {
	q := t.dids[did]
	if q == nil {
		t.log.Warn("inbound call to unknown DID", "did", did, "channel", ch.ID)
		t.exec(&serial{}, "hangup unrouted", func(ctx context.Context) error { return t.app.ari.Hangup(ctx, ch.ID, "") }, nil)
		return
	}
	c := &call{
		id:       CallID(newID(kindCall, t.cfg.Tenant.ID)),
		customer: ch.ID,
		caller:   ch.Caller,
		did:      did,
		queue:    q,
		arrived:  t.now(),
		data:     []DataItem{},
	}
	t.calls[c.id] = c
	t.byChan[ch.ID] = c
	t.log.Info("inbound call", "call", c.id, "caller", c.caller.Number, "queue", q.Name)
	// The customer hears music while waiting.
	t.exec(&c.ops, "answer customer", func(ctx context.Context) error {
		if err := t.app.ari.Answer(ctx, ch.ID); err != nil {
			return err
		}
		return t.app.ari.StartMOH(ctx, ch.ID, q.MOHClass)
	}, nil)
	t.wait(c, q)
}

// route offers waiting calls to Ready agents until no match is left.
func (t *tenant) route() {
	for {
		cid, aid, ok := t.router.Next()
		if !ok {
			return
		}
		c, ag := t.calls[CallID(cid)], t.agents[AgentID(aid)]
		if c == nil || ag == nil || c.state != callWaiting {
			// never expected: keep the router from choosing them again
			t.log.Error("router chose a call or agent that is not available", "call", cid, "agent", aid)
			t.router.Remove(cid)
			t.router.SetUnavailable(aid)
			continue
		}
		t.offer(c, ag, false)
	}
}

// offer offers a call to an agent: chosen by the router, or direct (a call
// to the agent's extension, which may reach a Not Ready agent).
func (t *tenant) offer(c *call, ag *agent, direct bool) {
	now := t.now()
	ringUntil := now.Add(time.Duration(c.queue.RingSeconds) * time.Second)
	var (
		trs []wrapup.Transition
		err error
	)
	if direct {
		trs, err = ag.fsm.OfferDirect(now, ringUntil)
	} else {
		trs, err = ag.fsm.Offer(now, ringUntil)
	}
	if err != nil {
		// the router holds only Ready agents; this is a bug to surface
		t.log.Error("offer refused by the state machine", "agent", ag.cfg.Username, "err", err)
		t.applied(ag, trs)
		return
	}
	t.router.Remove(queue.CallID(c.id))
	c.state, c.agent, c.offeredAt, c.direct = callOffered, ag, now, direct
	c.gen++
	t.armCallTimers(c) // no maximum wait or announcements while offered
	ag.call = c
	t.applied(ag, trs)
	t.log.Info("call offered", "call", c.id, "agent", ag.cfg.Username)
	t.send(ag, Message{Type: MsgOffer, Call: callView(c)})
}

// detach takes the call away from its agent and tells the agent it ended for
// them; the agent's state is the caller's business.
func (t *tenant) detach(c *call, reason string) {
	ag := c.agent
	if ag == nil {
		return
	}
	v := callView(c)
	v.State, v.EndReason = callEnded.String(), reason
	now := t.now()
	v.EndedAt = &now
	t.send(ag, Message{Type: MsgCall, Call: v})
	ag.call, c.agent = nil, nil
}

// backToQueue puts a call at the head of its queue (it keeps its arrival
// time) with music on hold.
func (t *tenant) backToQueue(c *call) {
	wasBridged := c.bridge != ""
	bridge := c.bridge
	c.bridge, c.answeredAt, c.direct = "", time.Time{}, false
	t.wait(c, c.queue)
	t.exec(&c.ops, "customer back to queue", func(ctx context.Context) error {
		if wasBridged {
			if err := t.app.ari.DestroyBridge(ctx, bridge); err != nil && !errors.Is(err, ari.ErrNotFound) {
				return err
			}
		}
		return t.app.ari.StartMOH(ctx, c.customer, c.queue.MOHClass)
	}, nil)
}

// requeue is used when the agent side fails or goes away: the customer is
// never lost, the call goes back to the head of its queue.
func (t *tenant) requeue(c *call, reason string) {
	ag := c.agent
	if ag != nil && c.bridge != "" && ag.line.state == lineUp {
		home, lineCh := ag.line.home, ag.line.channel
		t.exec(&c.ops, "line home", func(ctx context.Context) error {
			return t.app.ari.AddChannel(ctx, home, lineCh)
		}, nil)
	}
	t.detach(c, reason)
	if ag != nil && ag.fsm.OnCall() {
		trs, _ := ag.fsm.EndCall(t.now(), 0) // no wrapup: the agent did not handle the call
		t.applied(ag, trs)
	}
	t.backToQueue(c)
}

func (t *tenant) answer(ag *agent, id CallID) error {
	c := ag.call
	if c == nil || c.id != id || id == "" {
		return fmt.Errorf("%w: %q is not your call", ErrNoSuchCall, id)
	}
	if c.state != callOffered {
		return fmt.Errorf("%w: the call is %s, not offered", ErrNotAllowed, c.state)
	}
	if ag.line.state != lineUp {
		return fmt.Errorf("%w: your phone line is not up", ErrNotAllowed)
	}
	if err := t.step(ag, wrapup.InAnswer, ""); err != nil {
		return err
	}
	c.state = callConnecting
	c.bridge = newID(kindCallBridge, t.cfg.Tenant.ID)
	t.send(ag, Message{Type: MsgCall, Call: callView(c)})
	bridge, customer, lineCh, gen, playback := c.bridge, c.customer, ag.line.channel, c.gen, c.playback
	c.playback = ""
	// One mixing bridge per call; addChannel moves the line out of the home
	// bridge by itself, so connecting is three quick requests.
	t.exec(&c.ops, "connect call", func(ctx context.Context) error {
		if playback != "" {
			if err := t.app.ari.StopPlayback(ctx, playback); err != nil && !errors.Is(err, ari.ErrNotFound) {
				return err
			}
		}
		if _, err := t.app.ari.CreateBridge(ctx, ari.BridgeRequest{ID: bridge, Type: ari.BridgeMixing, Name: bridge}); err != nil {
			return err
		}
		if err := t.app.ari.StopMOH(ctx, customer); err != nil && !errors.Is(err, ari.ErrNotFound) {
			return err
		}
		return t.app.ari.AddChannel(ctx, bridge, customer, lineCh)
	}, func(err error) { t.connected(c, gen, err) })
	return nil
}

func (t *tenant) connected(c *call, gen uint64, err error) {
	if c.state != callConnecting || c.gen != gen {
		return // the caller hung up or the agent went away meanwhile
	}
	ag := c.agent
	if err != nil {
		t.log.Warn("could not connect call; back to queue", "call", c.id, "err", err)
		t.requeue(c, endFailed)
		return
	}
	c.state, c.answeredAt = callConnected, t.now()
	if !c.direct {
		t.router.CallAnswered(queue.AgentID(ag.cfg.ID)) // fewest calls and round robin count routed calls only
	}
	t.step(ag, wrapup.InConnected, "")
	t.send(ag, Message{Type: MsgCall, Call: callView(c)})
	t.log.Info("call connected", "call", c.id, "agent", ag.cfg.Username, "wait", c.answeredAt.Sub(c.arrived))
}

func (t *tenant) agentHangup(ag *agent, id CallID) error {
	c := ag.call
	if c == nil || c.id != id || id == "" {
		return fmt.Errorf("%w: %q is not your call", ErrNoSuchCall, id)
	}
	if c.state != callConnecting && c.state != callConnected {
		return fmt.Errorf("%w: the call is %s; answer it first", ErrNotAllowed, c.state)
	}
	customer := c.customer
	t.exec(&c.ops, "hang up customer", func(ctx context.Context) error {
		return t.app.ari.Hangup(ctx, customer, "normal")
	}, nil)
	t.finish(c, endAgentHangup)
	return nil
}

func (t *tenant) callerHungUp(c *call) {
	switch c.state {
	case callWaiting:
		t.router.Remove(queue.CallID(c.id))
		t.log.Info("caller abandoned", "call", c.id, "waited", t.now().Sub(c.arrived))
		t.end(c, endCallerHangup)
		t.armCallTimers(c)
		delete(t.calls, c.id)
	case callOffered:
		ag := c.agent
		t.detach(c, endCallerHangup)
		t.step(ag, wrapup.InWithdraw, "")
		t.end(c, endCallerHangup)
		delete(t.calls, c.id)
	case callConnecting, callConnected:
		t.finish(c, endCallerHangup)
	case callEnded:
		t.armCallTimers(c) // a goodbye's timer
		delete(t.calls, c.id)
	}
}

// finish ends a connected (or connecting) call: the agent's line goes back
// home, the bridge goes, and the agent is free again.
func (t *tenant) finish(c *call, reason string) {
	ag := c.agent
	handled := c.state == callConnected // the agent talked to the caller
	t.end(c, reason)
	bridge := c.bridge
	if ag != nil {
		home, lineCh := ag.line.home, ag.line.channel
		t.send(ag, Message{Type: MsgCall, Call: callView(c)})
		ag.call, c.agent = nil, nil
		// Wrapup follows only an inbound queue call the agent handled.
		var wrap time.Duration
		if handled && c.queue != nil && !c.direct {
			wrap = time.Duration(ag.cfg.WrapupSeconds) * time.Second
		}
		trs, _ := ag.fsm.EndCall(t.now(), wrap)
		t.applied(ag, trs)
		if ag.line.state == lineUp {
			t.exec(&c.ops, "line home", func(ctx context.Context) error {
				return t.app.ari.AddChannel(ctx, home, lineCh)
			}, nil)
		}
	}
	t.exec(&c.ops, "destroy call bridge", func(ctx context.Context) error {
		err := t.app.ari.DestroyBridge(ctx, bridge)
		if errors.Is(err, ari.ErrNotFound) {
			return nil
		}
		return err
	}, nil)
	if reason == endCallerHangup {
		delete(t.calls, c.id)
	} // else the customer's StasisEnd is still to come and removes the call
	t.log.Info("call ended", "call", c.id, "reason", reason)
}

// --- the agent's line -----------------------------------------------------

// startLine provisions the agent's endpoint for this login through ARI push
// configuration, creates the home bridge and originates the line.
func (t *tenant) startLine(ag *agent) {
	ag.line = line{
		state:    lineConnecting,
		endpoint: newID(kindEndpoint, t.cfg.Tenant.ID),
		password: randomHex(16),
		home:     newID(kindHomeBridge, t.cfg.Tenant.ID),
	}
	l := &ag.line
	endpoint, password, home := l.endpoint, l.password, l.home
	fields := append([]ari.ConfigTuple{
		{Attribute: "auth", Value: endpoint},
		{Attribute: "aors", Value: endpoint},
		{Attribute: "callerid", Value: fmt.Sprintf("%q <%s>", ag.cfg.Name, ag.cfg.Extension)},
	}, t.app.cfg.LineFields...)
	gen := l.gen
	t.send(ag, Message{Type: MsgLine, Line: &LineView{State: l.state.String()}})
	t.exec(&l.ops, "provision line", func(ctx context.Context) error {
		a := t.app.ari
		if _, err := a.PutConfig(ctx, "res_pjsip", "auth", endpoint, []ari.ConfigTuple{
			{Attribute: "auth_type", Value: "userpass"},
			{Attribute: "username", Value: endpoint},
			{Attribute: "password", Value: password},
		}); err != nil {
			return err
		}
		if _, err := a.PutConfig(ctx, "res_pjsip", "aor", endpoint, []ari.ConfigTuple{
			{Attribute: "max_contacts", Value: "1"},
			{Attribute: "remove_existing", Value: "yes"},
		}); err != nil {
			return err
		}
		if _, err := a.PutConfig(ctx, "res_pjsip", "endpoint", endpoint, fields); err != nil {
			return err
		}
		_, err := a.CreateBridge(ctx, ari.BridgeRequest{ID: home, Type: ari.BridgeHolding, Name: home})
		return err
	}, func(err error) {
		if ag.line.gen != gen || ag.session == nil {
			return
		}
		if err != nil {
			t.lineDown(ag)
			return
		}
		t.originateLine(ag)
	})
}

func (t *tenant) originateLine(ag *agent) {
	l := &ag.line
	l.gen++
	l.state = lineConnecting
	l.channel = newID(kindLine, t.cfg.Tenant.ID)
	t.lines[l.channel] = ag
	ch, endpoint, gen := l.channel, l.endpoint, l.gen
	t.exec(&l.ops, "originate line", func(ctx context.Context) error {
		_, err := t.app.ari.Originate(ctx, ari.OriginateRequest{
			Endpoint:  "PJSIP/" + endpoint,
			App:       t.app.cfg.Application,
			AppArgs:   "line",
			ChannelID: ch,
			CallerID:  "Contact center <line>",
			Timeout:   30,
		})
		return err
	}, func(err error) {
		if err != nil && ag.line.gen == gen {
			delete(t.lines, ch)
			t.lineDown(ag)
		}
	})
}

// lineAnswered: the agent's phone answered the line; park it at home.
func (t *tenant) lineAnswered(ag *agent, ch string) {
	l := &ag.line
	if ch != l.channel || ag.session == nil {
		t.exec(&serial{}, "hang up stale line", func(ctx context.Context) error { return t.app.ari.Hangup(ctx, ch, "") }, nil)
		return
	}
	gen, home := l.gen, l.home
	t.exec(&l.ops, "park line", func(ctx context.Context) error {
		return t.app.ari.AddChannel(ctx, home, ch)
	}, func(err error) {
		if ag.line.gen != gen || ag.session == nil {
			return
		}
		if err != nil {
			t.exec(&ag.line.ops, "hang up unparked line", func(ctx context.Context) error { return t.app.ari.Hangup(ctx, ch, "") }, nil)
			return // its StasisEnd brings lineLost and a retry
		}
		ag.line.state = lineUp
		t.send(ag, Message{Type: MsgLine, Line: &LineView{State: lineUp.String()}})
		t.syncRouting(ag)
	})
}

// lineLost: the line channel ended. A call the agent had goes back to its
// queue; while the agent is logged in the line is originated again.
func (t *tenant) lineLost(ag *agent, ch string) {
	if ch != ag.line.channel {
		return
	}
	if c := ag.call; c != nil {
		t.log.Warn("agent line lost during a call; call back to queue", "agent", ag.cfg.Username, "call", c.id)
		t.requeue(c, endFailed)
	}
	if ag.session == nil {
		return
	}
	t.lineDown(ag)
}

func (t *tenant) lineDown(ag *agent) {
	l := &ag.line
	l.state = lineDown
	l.gen++
	t.syncRouting(ag)
	t.send(ag, Message{Type: MsgLine, Line: &LineView{State: lineDown.String()}})
	gen, id := l.gen, ag.cfg.ID
	time.AfterFunc(t.app.cfg.LineRetry, func() { t.inbox.post(msgLineRetry{agent: id, gen: gen}) })
}

// stopLine hangs up the line and removes what the login provisioned.
func (t *tenant) stopLine(ag *agent) {
	l := &ag.line
	if l.endpoint == "" {
		return
	}
	l.gen++
	ch, home, endpoint := l.channel, l.home, l.endpoint
	delete(t.lines, ch)
	l.state, l.channel, l.endpoint = lineDown, "", ""
	t.exec(&l.ops, "tear down line", func(ctx context.Context) error {
		a := t.app.ari
		var errs []error
		if ch != "" {
			if err := a.Hangup(ctx, ch, ""); err != nil && !errors.Is(err, ari.ErrNotFound) {
				errs = append(errs, err)
			}
		}
		if err := a.DestroyBridge(ctx, home); err != nil && !errors.Is(err, ari.ErrNotFound) {
			errs = append(errs, err)
		}
		for _, typ := range []string{"endpoint", "aor", "auth"} {
			if err := a.DeleteConfig(ctx, "res_pjsip", typ, endpoint); err != nil && !errors.Is(err, ari.ErrNotFound) {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}, nil)
}

// --- views ----------------------------------------------------------------

func stateView(ag *agent) *StateView {
	v := &StateView{State: ag.fsm.State().String(), Reason: ag.fsm.Reason(), Since: ag.fsm.Since().UTC(), Pending: ag.fsm.Pending()}
	if d, ok := ag.fsm.Deadline(); ok {
		v.Until = timePtr(d)
	}
	return v
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func callView(c *call) *CallView {
	v := &CallView{
		ID:         c.id,
		State:      c.state.String(),
		Direction:  "inbound",
		Caller:     PartyView{Number: c.caller.Number, Name: c.caller.Name},
		DID:        c.did,
		Data:       c.data,
		OfferedAt:  timePtr(c.offeredAt),
		AnsweredAt: timePtr(c.answeredAt),
		EndedAt:    timePtr(c.endedAt),
		EndReason:  c.endReason,
	}
	if c.queue != nil {
		v.Queue = &QueueView{ID: c.queue.ID, Name: c.queue.Name}
		v.RingSeconds = c.queue.RingSeconds
	}
	return v
}

func (t *tenant) snapshot(ag *agent) Message {
	m := Message{
		Type: MsgSnapshot,
		Agent: &AgentView{
			ID: ag.cfg.ID, Username: ag.cfg.Username, Name: ag.cfg.Name, Extension: ag.cfg.Extension,
			Domain: t.cfg.Tenant.Domain, Tenant: t.cfg.Tenant.Name,
		},
		State:   stateView(ag),
		Line:    &LineView{State: ag.line.state.String()},
		Reasons: t.cfg.Reasons,
	}
	if ag.call != nil {
		m.Call = callView(ag.call)
	}
	return m
}

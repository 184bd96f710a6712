package app

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/event"
	"github.com/ccaas/ccaas/wrapup"
)

// Numbers agents may dial and digits they may send. Nothing else ever
// reaches a dial string.
var (
	dialNumberRE = regexp.MustCompile(`^\+?[0-9]{2,20}$`)
	dtmfRE       = regexp.MustCompile(`^[0-9*#A-Da-d]{1,32}$`)
	// trunkRE is what a trunk (a PJSIP endpoint name from the tenant's
	// settings) may look like in a dial string.
	trunkRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
)

// connectedLeg returns the agent's call when they are connected to it.
func (t *tenant) connectedLeg(ag *agent, id ccaas.CallID) (*call, *leg, error) {
	c, l, err := t.legOf(ag, id)
	if err != nil {
		return nil, nil, err
	}
	if l.state != legConnected {
		return nil, nil, fmt.Errorf("%w: the call is %s, not connected", ErrNotAllowed, l.state)
	}
	return c, l, nil
}

// hold takes the customer out of the call's bridge and plays them music on
// hold; the agents hear silence (or each other in a conference).
func (t *tenant) hold(ag *agent, id ccaas.CallID) error {
	c, _, err := t.connectedLeg(ag, id)
	if err != nil {
		return err
	}
	switch {
	case c.customer == "":
		return fmt.Errorf("%w: there is no customer on this call to hold", ErrNotAllowed)
	case c.held:
		return fmt.Errorf("%w: the call is already on hold", ErrNotAllowed)
	case !c.customerIn:
		return fmt.Errorf("%w: the customer is not connected yet", ErrNotAllowed)
	}
	t.holdCustomer(c)
	t.broadcast(c, nil, "")
	return nil
}

// holdCustomer puts the customer, who is in the conversation, on hold.
func (t *tenant) holdCustomer(c *call) {
	since := t.now()
	c.held, c.heldSince, c.customerIn = true, since, false
	c.music = true // a connect that brings the customer back stops it
	t.emit(event.CallHeld{At: since, Call: c.id})
	bridge, customer, class := c.bridge, c.customer, c.mohClass()
	t.exec(&c.ops, "hold", func(ctx context.Context) error {
		// ARI's own hold plays music to the held channel itself; the customer
		// leaves the bridge and hears music on their own channel.
		if err := ignoreNotInBridge(t.app.ari.RemoveChannel(ctx, bridge, customer)); err != nil {
			return err
		}
		return t.app.ari.StartMOH(ctx, customer, class)
	}, func(err error) {
		if err != nil && c.state != callEnded && c.held && c.heldSince.Equal(since) {
			t.holdFailed(c)
		}
	})
}

// holdFailed: the customer could not be put on hold (they may still be in
// the conversation, or out of it in silence). They are brought back, and the
// agents are told: the call goes on as before the hold.
func (t *tenant) holdFailed(c *call) {
	t.log.Warn("hold failed; the customer is brought back", "call", c.id)
	t.consultHoldFailed(c)
	c.holdTotal += t.now().Sub(c.heldSince)
	c.held, c.customerIn, c.music = false, true, false // stopped here
	t.emit(event.CallResumed{At: t.now(), Call: c.id})
	bridge, customer := c.bridge, c.customer
	t.exec(&c.ops, "undo hold", func(ctx context.Context) error {
		if err := ignoreGone(t.app.ari.StopMOH(ctx, customer)); err != nil {
			return err
		}
		return t.app.ari.AddChannel(ctx, bridge, customer)
	}, func(err error) {
		if err != nil && c.state != callEnded {
			t.endSilent(c)
		}
	})
	t.customerNotice(c, "hold_failed")
}

// customerNotice tells every agent of the call something about its customer.
func (t *tenant) customerNotice(c *call, kind string) {
	name := c.caller.Name
	if name == "" {
		name = c.caller.Number
	}
	for _, l := range c.legs {
		if l.state != legOffered {
			t.send(l.ag, cti.Message{Type: cti.MsgNotice, Notice: &cti.NoticeView{Kind: kind, Name: name, Call: c.id}})
		}
	}
	t.broadcast(c, nil, "")
}

func (t *tenant) resume(ag *agent, id ccaas.CallID) error {
	c, _, err := t.connectedLeg(ag, id)
	if err != nil {
		return err
	}
	if c.consult != nil {
		return t.consultBusy(c, ag.leg)
	}
	if !c.held {
		return fmt.Errorf("%w: the call is not on hold", ErrNotAllowed)
	}
	t.resumeCustomer(c)
	t.broadcast(c, nil, "")
	return nil
}

// resumeCustomer brings the customer, who is on hold, back into the
// conversation.
func (t *tenant) resumeCustomer(c *call) {
	c.holdTotal += t.now().Sub(c.heldSince)
	c.held, c.customerIn, c.music = false, true, false // stopped here
	t.emit(event.CallResumed{At: t.now(), Call: c.id})
	bridge, customer := c.bridge, c.customer
	t.exec(&c.ops, "resume", func(ctx context.Context) error {
		if err := ignoreGone(t.app.ari.StopMOH(ctx, customer)); err != nil {
			return err
		}
		return t.app.ari.AddChannel(ctx, bridge, customer)
	}, func(err error) {
		if err != nil && c.state != callEnded && !c.held && c.customerIn {
			t.resumeFailed(c)
		}
	})
}

// resumeFailed: the customer could not be brought back (they may still hear
// music, or be out of the conversation in silence). They stay on hold with
// music, and the agents are told, so they can try again.
func (t *tenant) resumeFailed(c *call) {
	t.log.Warn("resume failed; the customer stays on hold", "call", c.id)
	c.held, c.heldSince, c.customerIn = true, t.now(), false
	t.emit(event.CallHeld{At: c.heldSince, Call: c.id})
	bridge, customer := c.bridge, c.customer
	t.startMusic(c, "back on hold", func(ctx context.Context) error {
		return ignoreNotInBridge(t.app.ari.RemoveChannel(ctx, bridge, customer))
	})
	t.customerNotice(c, "resume_failed")
}

func (c *call) mohClass() string {
	if c.queue != nil && c.queue.MOHClass != "" {
		return c.queue.MOHClass
	}
	return "default"
}

// target finds the agent of an extension who may receive a transferred call
// or join a conference: Ready, line up, no call (docs/design.md, Who can be
// reached). The error says why not, for the asking agent.
func (t *tenant) target(from *agent, ext string) (*agent, error) {
	if !extensionRE.MatchString(ext) {
		return nil, fmt.Errorf("%w: %q is not an extension", ErrBadCommand, ext)
	}
	to := t.byExtension(ext)
	switch {
	case to == nil:
		return nil, fmt.Errorf("%w: no agent has extension %s", ErrNotAllowed, ext)
	case to == from:
		return nil, fmt.Errorf("%w: that is your own extension", ErrNotAllowed)
	case to.session == nil:
		return nil, fmt.Errorf("%w: %s (%s) is not logged in", ErrNotAllowed, to.cfg.Name, ext)
	case to.fsm.State() != wrapup.Ready:
		return nil, fmt.Errorf("%w: %s (%s) is %s; only a Ready agent can take the call", ErrNotAllowed, to.cfg.Name, ext, readable(to.fsm.State()))
	case to.line.state != lineUp:
		return nil, fmt.Errorf("%w: %s's (%s) phone line is not up", ErrNotAllowed, to.cfg.Name, ext)
	}
	return to, nil
}

var extensionRE = regexp.MustCompile(`^[0-9]{2,10}$`)

// readable says what an agent in state s is doing, in the words of the
// agent page and the team view.
func readable(s wrapup.State) string {
	switch s {
	case wrapup.NotReady:
		return "Not Ready"
	case wrapup.Ready:
		return "Ready"
	case wrapup.LoggedOut:
		return "logged out"
	case wrapup.Offered:
		return "being offered a call"
	case wrapup.Connecting, wrapup.Talking:
		return "on a call"
	case wrapup.Wrapup:
		return "in wrapup"
	}
	return s.String()
}

// transfer hands the customer blind to another agent: the transferring agent
// is released at once (to wrapup after an inbound queue call they answered)
// and the customer hears music until the target answers. If the target does
// not answer, a queue call goes back to the head of its queue, any other call
// back to the transferring agent if they are free, else it ends politely.
func (t *tenant) transfer(ag *agent, id ccaas.CallID, ext string) error {
	c, l, err := t.connectedLeg(ag, id)
	if err != nil {
		return err
	}
	if err := t.transferable(c, l); err != nil {
		return err
	}
	to, err := t.target(ag, ext)
	if err != nil {
		return err
	}
	// the customer waits with music, out of the bridge
	wasIn := c.customerIn
	c.endHold(t.now())
	c.customerIn = false
	bridge, customer := c.bridge, c.customer
	t.startMusic(c, "customer waits for transfer", func(ctx context.Context) error {
		if !wasIn {
			return nil
		}
		return ignoreNotInBridge(t.app.ari.RemoveChannel(ctx, bridge, customer))
	})
	c.transfers++
	c.transferredBy = &cti.AgentRef{Name: ag.cfg.Name, Extension: ag.cfg.Extension}
	t.log.Info("blind transfer", "call", c.id, "from", ag.cfg.Username, "to", to.cfg.Username)
	t.emit(event.CallTransferred{At: t.now(), Call: c.id, From: ag.cfg.ID, To: to.cfg.ID, Extension: to.cfg.Extension})
	t.release(c, l, ccaas.EndTransferred)
	c.state = callOffered
	if err := t.offer(c, to, roleTransfer, ag); err != nil {
		// checked above; should it still fail, the customer is not lost
		t.backToQueueOrGoodbye(c)
		return err
	}
	return nil
}

// transferable says why the agent of leg l may not hand the call on blind
// (to an agent or a queue), if they may not.
func (t *tenant) transferable(c *call, l *leg) error {
	if c.consult != nil {
		return t.consultBusy(c, l)
	}
	if c.customer == "" || !c.customerUp {
		return fmt.Errorf("%w: only a call with a customer can be transferred", ErrNotAllowed)
	}
	if c.agentsWith(l) > 0 {
		return fmt.Errorf("%w: transfer is for a call you are alone on; to leave the customer with the others in the conference, hang up", ErrNotAllowed)
	}
	if o := c.invited(); o != nil {
		return fmt.Errorf("%w: %s (%s) is being invited to this call; transfer once they have answered or the invitation has ended", ErrNotAllowed, o.ag.cfg.Name, o.ag.cfg.Extension)
	}
	return nil
}

// conference rings another Ready agent; the agent and the customer stay
// connected meanwhile. On Answer all are in the one mixing bridge.
func (t *tenant) conference(ag *agent, id ccaas.CallID, ext string) error {
	c, l, err := t.connectedLeg(ag, id)
	if err != nil {
		return err
	}
	if c.consult != nil {
		return t.consultBusy(c, l)
	}
	if o := c.invited(); o != nil {
		return fmt.Errorf("%w: %s is already being called", ErrNotAllowed, o.ag.cfg.Name)
	}
	to, err := t.target(ag, ext)
	if err != nil {
		return err
	}
	if err := t.offer(c, to, roleConference, ag); err != nil {
		return err
	}
	t.broadcast(c, nil, "")
	return nil
}

// dial places a call for a Not Ready agent: to another agent's extension, or
// out through the tenant's trunk. The agent's line is in the call's bridge
// from the start; the agent returns to Not Ready afterwards (no wrapup).
func (t *tenant) dial(ag *agent, number string) error {
	if !dialNumberRE.MatchString(number) {
		return fmt.Errorf("%w: dial digits, with an optional leading +, 2 to 20 of them", ErrBadCommand)
	}
	if ag.line.state != lineUp {
		return fmt.Errorf("%w: your phone line is not up", ErrNotAllowed)
	}
	callee := t.byExtension(number)
	if callee == ag {
		return fmt.Errorf("%w: that is your own extension", ErrNotAllowed)
	}
	if callee != nil {
		if err := t.calleeReachable(callee); err != nil {
			return err
		}
	} else if !trunkRE.MatchString(t.cfg.Settings.Trunk) {
		return fmt.Errorf("%w: this tenant has no outbound trunk configured", ErrNotAllowed)
	}
	trs, err := ag.fsm.Dial(t.now())
	t.applied(ag, trs)
	if err != nil {
		return err
	}
	c := &call{
		id:        ccaas.CallID(newID(kindCall, t.cfg.Tenant.ID)),
		direction: ccaas.DirOutbound,
		caller:    ari.CallerID{Number: number},
		arrived:   t.now(),
		state:     callConnected,
		data:      []cti.DataItem{},
		bridge:    newID(kindCallBridge, t.cfg.Tenant.ID),

		recordOther: t.cfg.Settings.RecordOther,
	}
	l := &leg{ag: ag, state: legConnecting, role: roleDialer, offeredAt: c.arrived}
	c.legs = []*leg{l}
	ag.call, ag.leg = c, l
	t.calls[c.id] = c
	t.emit(event.CallDialled{At: c.arrived, Call: c.id, Agent: ag.cfg.ID, Number: number, Internal: callee != nil})
	bridge, lineCh := c.bridge, ag.line.channel
	t.execAfter([]*serial{&c.ops, &ag.line.ops}, "bridge dialling agent", func(ctx context.Context) error {
		if _, err := t.app.ari.CreateBridge(ctx, ari.BridgeRequest{ID: bridge, Type: ari.BridgeMixing, Name: bridge}); err != nil {
			t.sweepBridge(bridge, err)
			return err
		}
		return t.app.ari.AddChannel(ctx, bridge, lineCh)
	}, func(err error) {
		if err != nil && c.has(l) {
			t.endCall(c, ccaas.EndFailed)
		}
	})
	if callee != nil {
		// between agents each sees the other: the dialler the callee, everyone
		// else the dialler (otherParty)
		c.direction = ccaas.DirInternal
		c.caller = ari.CallerID{Number: callee.cfg.Extension, Name: callee.cfg.Name}
		c.dialler = ari.CallerID{Number: ag.cfg.Extension, Name: ag.cfg.Name}
		t.send(ag, cti.Message{Type: cti.MsgCall, Call: callView(c, l)})
		if err := t.offer(c, callee, roleCallee, ag); err != nil {
			t.endCall(c, ccaas.EndFailed)
			return err
		}
		t.broadcast(c, nil, "")
		return nil
	}
	c.customer = newID(kindCustomer, t.cfg.Tenant.ID)
	t.byChan[c.customer] = c
	t.send(ag, cti.Message{Type: cti.MsgCall, Call: callView(c, l)})
	endpoint := "PJSIP/" + number + "@" + t.cfg.Settings.Trunk
	customer, callerID := c.customer, t.cfg.Settings.CallerID
	t.log.Info("outbound call", "call", c.id, "agent", ag.cfg.Username, "number", number)
	t.exec(&c.ops, "originate customer", func(ctx context.Context) error {
		_, err := t.app.ari.Originate(ctx, ari.OriginateRequest{
			Endpoint: endpoint, App: t.app.cfg.Application, AppArgs: "outbound",
			ChannelID: customer, CallerID: callerID, Timeout: 45,
		})
		return err
	}, func(err error) {
		if err != nil && c.state != callEnded {
			delete(t.byChan, customer)
			t.endCall(c, ccaas.EndFailed)
		}
	})
	return nil
}

// calleeReachable applies docs/design.md, Who can be reached, to
// agent-to-agent calls: the callee must be Ready, or Not Ready where the
// tenant allows it.
func (t *tenant) calleeReachable(to *agent) error {
	s := to.fsm.State()
	ok := s == wrapup.Ready || (s == wrapup.NotReady && t.cfg.Settings.AgentCallsNotReady)
	switch {
	case to.session == nil:
		return fmt.Errorf("%w: %s (%s) is not logged in", ErrNotAllowed, to.cfg.Name, to.cfg.Extension)
	case !ok:
		return fmt.Errorf("%w: %s (%s) is %s and cannot take your call now", ErrNotAllowed, to.cfg.Name, to.cfg.Extension, readable(s))
	case to.line.state != lineUp || to.call != nil || to.watch != nil:
		return fmt.Errorf("%w: %s (%s) cannot take your call now", ErrNotAllowed, to.cfg.Name, to.cfg.Extension)
	}
	return nil
}

// outboundAnswered: the dialled customer answered; bring them into the bridge.
func (t *tenant) outboundAnswered(c *call) {
	if c.state == callEnded || len(c.legs) == 0 {
		return
	}
	l := c.legs[0]
	c.customerUp = true
	customer, bridge := c.customer, c.bridge
	t.exec(&c.ops, "bridge customer", func(ctx context.Context) error {
		return t.app.ari.AddChannel(ctx, bridge, customer)
	}, func(err error) {
		if !c.has(l) || l.state != legConnecting {
			return
		}
		if err != nil {
			t.endCall(c, ccaas.EndFailed)
			return
		}
		c.customerIn = true
		l.state, l.joinedAt, c.answeredAt = legConnected, t.now(), t.now()
		t.recordOnAnswer(c)
		t.emit(event.CallConnected{At: l.joinedAt, Call: c.id, Agent: c.part(l), Offered: l.offeredAt, Line: l.ag.line.channel})
		t.step(l.ag, wrapup.InConnected, "")
		t.broadcast(c, nil, "")
	})
}

func (t *tenant) mute(ag *agent, id ccaas.CallID, on bool) error {
	c, l, err := t.connectedLeg(ag, id)
	if err != nil {
		return err
	}
	if l.muted == on {
		return nil
	}
	l.muted = on
	lineCh := ag.line.channel
	t.exec(&c.ops, "mute", func(ctx context.Context) error {
		// "in" is what the agent says: the others stop hearing them
		if on {
			return t.app.ari.Mute(ctx, lineCh, "in")
		}
		return t.app.ari.Unmute(ctx, lineCh, "in")
	}, nil)
	t.send(ag, cti.Message{Type: cti.MsgCall, Call: callView(c, l)})
	return nil
}

// dtmf sends digits to the customer (an IVR on an outbound call).
func (t *tenant) dtmf(ag *agent, id ccaas.CallID, digits string) error {
	if !dtmfRE.MatchString(digits) {
		return fmt.Errorf("%w: DTMF digits are 0-9, *, # and A-D (a-d too), at most 32", ErrBadCommand)
	}
	c, _, err := t.connectedLeg(ag, id)
	if err != nil {
		return err
	}
	if c.customer == "" || !c.customerIn {
		return fmt.Errorf("%w: there is no connected customer to send digits to", ErrNotAllowed)
	}
	customer, digits := c.customer, strings.ToUpper(digits) // a-d are the keys A-D
	t.exec(&c.ops, "dtmf", func(ctx context.Context) error {
		return t.app.ari.SendDTMF(ctx, customer, digits)
	}, nil)
	return nil
}

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

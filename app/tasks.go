package app

import (
	"context"
	"fmt"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/event"
	"github.com/ccaas/ccaas/wrapup"
)

// Tasks are what a queue offers its agents besides its callers' calls: a
// callback (callback.go) and a voicemail (voicemail.go). Each is a call of
// its own (its direction says which), routed, offered, answered, missed and
// wrapped up as a queue call is; what differs is here. Answering a callback
// dials the customer; answering a voicemail connects the agent to nothing
// (they play the message in their page) until they call its caller back.
// A task whose agent goes away goes back to its place.

func callerOf(number, name string) ari.CallerID { return ari.CallerID{Number: number, Name: name} }

// queueTask: the call is one of a queue's for its agents: a caller's, or a
// callback or voicemail (a wrapup follows it).
func (c *call) queueTask() bool {
	switch c.direction {
	case ccaas.DirInbound, ccaas.DirCallback, ccaas.DirVoicemail:
		return true
	}
	return false
}

// isVoicemail: the call is a voicemail's task (not a caller leaving one).
func (c *call) isVoicemail() bool { return c.voicemail != nil && c.voicemail.call == c }

// connectTask carries out an agent's Answer of a task; false for a call.
func (t *tenant) connectTask(c *call, l *leg) bool {
	switch {
	case c.callback != nil && c.customer == "":
		task := c.callback
		cb := &task.cb
		cb.Attempts++
		cb.Agent = l.ag.cfg.ID
		if cb.FirstDialled.IsZero() {
			cb.FirstDialled = t.now()
		}
		cb.NextAt = t.now()
		t.emit(event.CallbackDialled{At: t.now(), Callback: cb.ID, Queue: cb.Queue, Agent: l.ag.cfg.ID, Attempt: cb.Attempts})
		t.writeCallback(task)
		t.log.Info("callback: dialling the customer", "callback", cb.ID, "agent", l.ag.cfg.Username, "attempt", cb.Attempts)
		t.dialCustomer(c, l, cb.Number)
		return true
	case c.isVoicemail() && l.state == legConnecting:
		now := t.now()
		l.state, l.joinedAt = legConnected, now
		if c.answeredAt.IsZero() {
			c.answeredAt = now
		}
		c.state = callConnected
		t.step(l.ag, wrapup.InConnected, "")
		t.log.Info("voicemail taken", "voicemail", c.voicemail.vm.ID, "agent", l.ag.cfg.Username)
		t.broadcast(c, l, "joined")
		return true
	}
	return false
}

// dialCustomer calls a customer back for the agent of leg l: the agent's
// line goes into the call's bridge, where a ring tone plays, while the app
// originates the customer through the tenant's trunk.
func (t *tenant) dialCustomer(c *call, l *leg, number string) {
	c.bridge = newID(kindCallBridge, t.cfg.Tenant.ID)
	c.customer = newID(kindCustomer, t.cfg.Tenant.ID)
	c.customerUp, c.customerIn = false, false
	t.byChan[c.customer] = c
	ring := newID(kindPlayback, t.cfg.Tenant.ID)
	c.playback = ring
	t.playbacks[ring] = c
	bridge, customer, lineCh := c.bridge, c.customer, l.ag.line.channel
	trunk, callerID := t.cfg.Settings.Trunk, t.cfg.Settings.CallerID
	t.execAfter([]*serial{&c.ops, &l.ag.line.ops}, "call the customer back", func(ctx context.Context) error {
		a := t.app.ari
		if !trunkRE.MatchString(trunk) || !dialNumberRE.MatchString(number) {
			return fmt.Errorf("%w: %q through trunk %q", errNoNumber, number, trunk)
		}
		if _, err := a.CreateBridge(ctx, ari.BridgeRequest{ID: bridge, Type: ari.BridgeMixing, Name: bridge}); err != nil {
			t.sweepBridge(bridge, err)
			return err
		}
		if err := a.AddChannel(ctx, bridge, lineCh); err != nil {
			return err
		}
		if _, err := a.BridgePlay(ctx, bridge, ari.PlayRequest{Media: ringing, PlaybackID: ring}); err != nil {
			t.log.Warn("no ring tone for the agent", "err", err) // they still get the customer
		}
		_, err := a.Originate(ctx, ari.OriginateRequest{
			Endpoint: "PJSIP/" + number + "@" + trunk, App: t.app.cfg.Application, AppArgs: callbackArg,
			ChannelID: customer, CallerID: callerID, Timeout: customerRing,
		})
		return err
	}, func(err error) {
		if err != nil && c.customer == customer && !c.customerUp {
			delete(t.byChan, customer)
			t.customerNotReached(c, customer, ccaas.EndFailed)
		}
	})
}

// customerRing is how long a customer called back is rung.
const customerRing = 30

// customerAnswered: the customer called back answered; they join the
// agent in the call's bridge.
func (t *tenant) customerAnswered(c *call, channel string) {
	if c.customer != channel || c.state == callEnded || c.customerUp {
		return
	}
	c.customerUp = true
	ring := t.forgetRing(c)
	bridge := c.bridge
	t.exec(&c.ops, "bring the customer in", func(ctx context.Context) error {
		if ring != "" {
			if err := ignoreGone(t.app.ari.StopPlayback(ctx, ring)); err != nil {
				return err
			}
		}
		return t.app.ari.AddChannel(ctx, bridge, channel)
	}, func(err error) {
		if c.customer != channel || c.state == callEnded {
			return
		}
		if err != nil {
			t.log.Warn("the customer called back could not be bridged", "call", c.id, "err", err)
			t.endCall(c, ccaas.EndFailed)
			return
		}
		t.customerJoined(c)
	})
}

// customerJoined: the customer called back is in the bridge with the agent.
func (t *tenant) customerJoined(c *call) {
	now := t.now()
	c.customerIn = true
	if c.answeredAt.IsZero() {
		c.answeredAt = now
	}
	c.state = callConnected
	for _, l := range c.legs {
		if l.state != legConnecting {
			continue
		}
		l.state = legConnected
		if l.joinedAt.IsZero() {
			l.joinedAt, l.holdAt = now, c.holdSoFar(now)
		}
		t.emit(event.CallConnected{At: now, Call: c.id, Agent: c.part(l), Offered: l.offeredAt, Line: l.ag.line.channel})
		if l.ag.fsm.State() == wrapup.Connecting {
			t.step(l.ag, wrapup.InConnected, "")
		}
	}
	switch {
	case c.callback != nil:
		task := c.callback
		task.cb.State, task.cb.Reached = ccaas.CallbackReached, now
		t.log.Info("callback: customer reached", "callback", task.cb.ID)
		t.finishCallback(task)
	case c.isVoicemail():
		c.voicemail.calledBack = true
		t.log.Info("voicemail: caller reached", "voicemail", c.voicemail.vm.ID)
	}
	t.broadcast(c, nil, "")
}

// taskCustomerGone: a customer channel of a task ended; true when the
// customer was never reached (busy, no answer, a failure) and that is
// handled here.
func (t *tenant) taskCustomerGone(c *call, channel, failure string) bool {
	if c.callback == nil && !c.isVoicemail() || c.customerUp || c.customer != channel {
		return false
	}
	if failure == "" {
		failure = ccaas.EndFailed
	}
	t.customerNotReached(c, channel, failure)
	return true
}

// customerNotReached: the customer called back did not answer. A callback's
// agent is released (their call ends with the reason) and the callback
// waits for its next attempt; a voicemail's agent keeps the voicemail and
// is told.
func (t *tenant) customerNotReached(c *call, channel, reason string) {
	if c.customer != channel {
		return
	}
	t.log.Info("customer called back not reached", "call", c.id, "reason", reason)
	ring, bridge := t.forgetRing(c), c.bridge
	c.customer, c.customerUp, c.customerIn = "", false, false
	if c.callback != nil {
		for len(c.legs) > 0 {
			t.release(c, c.legs[0], reason)
		}
		c.bridge = ""
		t.dropBridge(c, bridge, ring)
		t.callbackAttemptEnded(c, reason)
		return
	}
	// a voicemail: the agent's line leaves the bridge, the agent stays on it
	c.bridge = ""
	for _, l := range c.legs {
		if l.state == legConnecting {
			l.state = legConnected
		}
		if ag := l.ag; ag.line.state == lineUp {
			lineCh := ag.line.channel
			t.execAfter([]*serial{&c.ops, &ag.line.ops}, "line out of the bridge", func(ctx context.Context) error {
				return ignoreNotInBridge(ignoreGone(t.app.ari.RemoveChannel(ctx, bridge, lineCh)))
			}, func(err error) {
				if err != nil && ag.line.channel == lineCh {
					t.strayLine(ag, lineCh)
				}
			})
		}
	}
	t.dropBridge(c, bridge, ring)
	kind := ccaas.EndNoAnswer
	if reason == ccaas.EndBusy {
		kind = ccaas.EndBusy
	}
	t.customerNotice(c, kind)
}

// forgetRing forgets the ring tone a task's agent hears (its playback's
// events are no longer the call's) and returns its id, for dropBridge to
// stop it.
func (t *tenant) forgetRing(c *call) string {
	ring := c.playback
	if ring != "" {
		c.playback = ""
		delete(t.playbacks, ring)
	}
	return ring
}

// dropBridge stops the ring tone and destroys a task's bridge (after the
// line left it).
func (t *tenant) dropBridge(c *call, bridge, ring string) {
	if bridge == "" {
		return
	}
	t.exec(&c.ops, "destroy the callback's bridge", func(ctx context.Context) error {
		if ring != "" {
			_ = ignoreGone(t.app.ari.StopPlayback(ctx, ring))
		}
		return ignoreGone(t.app.ari.DestroyBridge(ctx, bridge))
	}, nil)
}

// hangupTask: the agent hangs up a callback whose customer is still being
// rung: the attempt is over (it counts), the callback waits for the next.
func (t *tenant) hangupTask(c *call, l *leg) bool {
	if c.callback == nil || c.customer == "" || c.customerUp {
		return false
	}
	customer := c.customer
	delete(t.byChan, customer)
	t.hangupCustomer(c)
	t.customerNotReached(c, customer, ccaas.EndNoAnswer)
	return true
}

// taskBack: a task's agent went away (their line or session lost, an
// offer rang out). A task goes back to its place in the queue, hanging up a
// customer being called back; a callback whose customer is on the line
// ends politely for them. False for a call.
func (t *tenant) taskBack(c *call) bool {
	if c.callback == nil && !c.isVoicemail() {
		return false
	}
	if c.callback != nil && c.customerUp {
		for len(c.legs) > 0 {
			t.release(c, c.legs[0], ccaas.EndWithdrawn)
		}
		t.goodbye(c, ccaas.EndFailed)
		return true
	}
	for len(c.legs) > 0 {
		t.release(c, c.legs[0], ccaas.EndWithdrawn)
	}
	if c.customer != "" {
		delete(t.byChan, c.customer)
		t.hangupCustomer(c)
		if c.callback != nil {
			c.callback.cb.Attempts-- // the agent, not the customer, ended it
		}
	}
	ring, bridge := t.forgetRing(c), c.bridge
	c.customer, c.customerUp, c.customerIn, c.bridge = "", false, false, ""
	t.dropBridge(c, bridge, ring)
	t.enqueueTask(c)
	return true
}

// taskEnded: a task's call ended; its callback or voicemail is done.
func (t *tenant) taskEnded(c *call, reason string) {
	switch {
	case c.callback != nil:
		task := c.callback
		if _, open := t.room.callbacks[task.cb.ID]; open {
			if task.cb.State == ccaas.CallbackWaiting {
				task.cb.State = ccaas.CallbackFailed
			}
			task.cb.Ended = t.now()
			t.finishCallback(task)
		} else if task.cb.State == ccaas.CallbackReached && task.cb.Ended.IsZero() {
			task.cb.Ended = t.now()
			t.writeCallback(task)
		}
	case c.isVoicemail():
		if _, open := t.room.voicemails[c.voicemail.vm.ID]; open {
			var agent ccaas.AgentID
			if n := len(c.history); n > 0 {
				agent = c.history[n-1].agent
			}
			t.closeVoicemail(c, agent)
		}
	}
}

// taskQueueRemoved: a task waited in a queue an admin removed: a callback
// is cancelled, a voicemail expires (no queue's agents get it); true for a
// task.
func (t *tenant) taskQueueRemoved(c *call) bool {
	switch {
	case c.callback != nil:
		c.callback.cb.State = ccaas.CallbackCancelled
	case c.isVoicemail():
		c.voicemail.vm.State = ccaas.VoicemailExpired
		task := c.voicemail
		task.vm.Closed = t.now()
		t.finishVoicemail(task)
	default:
		return false
	}
	t.log.Info("queue removed; its task ends", "call", c.id)
	t.end(c, ccaas.EndFailed)
	t.armCallTimers(c)
	delete(t.calls, c.id)
	return true
}

// taskView adds a task's own part to its view.
func (c *call) taskView(v *cti.CallView) {
	switch {
	case c.callback != nil:
		cb := c.callback.cb
		attempt := cb.Attempts
		if c.customer == "" && cb.State == ccaas.CallbackWaiting {
			attempt++ // offered: the next dial
		}
		attempts := ccaas.DefaultCallbackAttempts
		if c.queue != nil {
			attempts = max(c.queue.CallbackAttempts, 1)
		}
		v.Callback = &cti.CallbackView{RequestedAt: cb.Requested.UTC(), Attempt: max(attempt, 1), Attempts: attempts}
	case c.isVoicemail():
		vm := c.voicemail.vm
		vv := &cti.VoicemailView{ID: vm.ID, Recording: string(vm.Recording), Seconds: vm.Seconds, LeftAt: vm.Left.UTC(), CalledBack: c.voicemail.calledBack}
		if vm.Recording != "" && len(c.recordings) > 0 {
			vv.URL = recordingURL(vm.Recording)
		}
		v.Voicemail = vv
	}
}

// callBack is the agent's "call back" on the voicemail they handle.
func (t *tenant) callBack(ag *agent, id ccaas.CallID) error {
	c, l, err := t.connectedLeg(ag, id)
	if err != nil {
		return err
	}
	switch {
	case !c.isVoicemail():
		return fmt.Errorf("%w: call back is for a voicemail; dial the number instead", ErrNotAllowed)
	case c.customer != "":
		return fmt.Errorf("%w: you are calling the caller already", ErrNotAllowed)
	case !dialNumberRE.MatchString(c.caller.Number):
		return fmt.Errorf("%w: the caller's number (%q) cannot be dialled", ErrNotAllowed, c.caller.Number)
	case !trunkRE.MatchString(t.cfg.Settings.Trunk):
		return fmt.Errorf("%w: this tenant has no outbound trunk configured", ErrNotAllowed)
	case ag.line.state != lineUp:
		return fmt.Errorf("%w: your phone line is not up", ErrNotAllowed)
	}
	l.state = legConnecting
	t.log.Info("voicemail: calling the caller back", "voicemail", c.voicemail.vm.ID, "agent", ag.cfg.Username)
	t.dialCustomer(c, l, c.caller.Number)
	t.send(ag, cti.Message{Type: cti.MsgCall, Call: callView(c, l)})
	return nil
}

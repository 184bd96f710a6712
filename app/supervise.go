package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/wrapup"
)

// Supervision. A supervisor logs in like an agent, with a line of their own.
// Monitor and whisper put that line in a bridge of its own with a snoop
// channel on the agent's line: the snoop spies both ways, so the supervisor
// hears the agent and everyone the agent hears, and whispers "out" (to the
// agent only) or not at all. Barge moves the line into the call's bridge.
// Moving between the three keeps the supervisor's line up: only the snoop
// and the bridge the line sits in change.

// watch is a supervisor's listening in on one agent's call.
type watch struct {
	mode   string // CmdMonitor, CmdWhisper or CmdBarge
	target *agent
	call   *call
	bridge string // the monitor bridge (monitor, whisper): the supervisor's line and the snoop
	snoop  string // the current snoop channel
	gen    uint64 // bumps on every mode change; stale results are dropped
	active bool   // the supervisor hears the call in this mode
	// activeAt is when it became active: reconcile judges only older ones
	activeAt time.Time
	ops      serial
}

// leads reports whether the agent sees a team view: a supervisor (or an
// admin) leading at least one team.
func (ag *agent) leads() bool {
	return (ag.cfg.Role == ccaas.RoleSupervisor || ag.cfg.Role == ccaas.RoleAdmin) && len(ag.cfg.Teams()) > 0
}

// supervised finds an agent the supervisor may see and act on. Agents of
// other teams and other tenants get the same answer as unknown ids.
func (t *tenant) supervised(sup *agent, id ccaas.AgentID) (*agent, error) {
	if sup.cfg.Role != ccaas.RoleSupervisor && sup.cfg.Role != ccaas.RoleAdmin {
		return nil, fmt.Errorf("%w: only supervisors may do that", ErrNotAllowed)
	}
	ag := t.agents[id]
	if ag == nil || !sup.cfg.Supervises(ag.cfg) {
		return nil, fmt.Errorf("%w: that agent is not in your team", ErrNotAllowed)
	}
	return ag, nil
}

// watchCall starts listening in on an agent's call, or moves the supervisor
// to another mode on the same call.
func (t *tenant) watchCall(sup *agent, id ccaas.AgentID, mode string) error {
	ag, err := t.supervised(sup, id)
	if err != nil {
		return err
	}
	c, l := ag.call, ag.leg
	switch {
	case c == nil || l == nil || l.state != legConnected:
		return fmt.Errorf("%w: %s is not talking on a call", ErrNotAllowed, ag.cfg.Name)
	case sup.call != nil:
		return fmt.Errorf("%w: you are on a call", ErrNotAllowed)
	case sup.line.state != lineUp:
		return fmt.Errorf("%w: your phone line is not up", ErrNotAllowed)
	case sup.fsm.State() != wrapup.NotReady:
		return fmt.Errorf("%w: go Not Ready first, so that no call is offered to you while you listen", ErrNotAllowed)
	}
	w := sup.watch
	if w != nil && (w.target != ag || w.call != c) {
		t.stopWatch(sup, "stopped")
		w = nil
	}
	if w == nil {
		w = &watch{target: ag, call: c}
		sup.watch = w
		c.watchers = append(c.watchers, sup)
	}
	if w.mode != mode {
		t.switchWatch(sup, w, mode)
	}
	return nil
}

// switchWatch carries out a change of mode.
func (t *tenant) switchWatch(sup *agent, w *watch, to string) {
	leftBarge := w.mode == cti.CmdBarge && w.active
	leftWhisper := w.mode == cti.CmdWhisper && w.active
	w.mode, w.active = to, false
	w.gen++
	gen, supLine, agentLine := w.gen, sup.line.channel, w.target.line.channel
	oldSnoop := w.snoop
	if oldSnoop != "" {
		delete(t.snoops, oldSnoop) // its StasisEnd means nothing now
		w.snoop = ""
	}
	t.sendWatch(sup, w, "")
	if leftBarge {
		t.announce(w.call, nil, sup, "left")
	}
	if leftWhisper {
		t.resendCall(w.target, w.call) // no longer coached
	}
	if to == cti.CmdBarge {
		callBridge, monitor := w.call.bridge, w.bridge
		w.bridge = ""
		t.execAfter([]*serial{&w.ops, &sup.line.ops}, "barge in", func(ctx context.Context) error {
			a := t.app.ari
			if oldSnoop != "" {
				if err := ignoreGone(a.Hangup(ctx, oldSnoop, "")); err != nil {
					return err
				}
			}
			if err := a.AddChannel(ctx, callBridge, supLine); err != nil {
				return err
			}
			return ignoreGone(a.DestroyBridge(ctx, monitor))
		}, func(err error) { t.watchStep(sup, gen, err) })
		return
	}
	snoop := newID(kindSnoop, t.cfg.Tenant.ID)
	w.snoop = snoop
	t.snoops[snoop] = sup
	create := w.bridge == ""
	if create {
		w.bridge = newID(kindMonitorBridge, t.cfg.Tenant.ID)
	}
	bridge, whisper := w.bridge, "none"
	if to == cti.CmdWhisper {
		whisper = "out" // toward the agent's phone: the agent hears it, the call does not
	}
	t.execAfter([]*serial{&w.ops, &sup.line.ops}, "listen in", func(ctx context.Context) error {
		a := t.app.ari
		if oldSnoop != "" {
			if err := ignoreGone(a.Hangup(ctx, oldSnoop, "")); err != nil {
				return err
			}
		}
		if create {
			if _, err := a.CreateBridge(ctx, ari.BridgeRequest{ID: bridge, Type: ari.BridgeMixing, Name: bridge}); err != nil {
				return err
			}
			// moves the line out of the call's bridge after a barge
			if err := a.AddChannel(ctx, bridge, supLine); err != nil {
				return err
			}
		}
		_, err := a.Snoop(ctx, agentLine, ari.SnoopRequest{Spy: "both", Whisper: whisper, AppArgs: "snoop", SnoopID: snoop})
		return err
	}, func(err error) {
		if err != nil {
			t.watchStep(sup, gen, err)
		}
		// on success the snoop joins the bridge once it is in Stasis (snoopStarted)
	})
}

// snoopStarted: a snoop channel entered Stasis; put it with the supervisor.
func (t *tenant) snoopStarted(id string) {
	sup := t.snoops[id]
	w := sup.watch
	if w == nil || w.snoop != id {
		delete(t.snoops, id)
		t.exec(&serial{}, "hang up stale snoop", func(ctx context.Context) error { return ignoreGone(t.app.ari.Hangup(ctx, id, "")) }, nil)
		return
	}
	gen, bridge := w.gen, w.bridge
	t.exec(&w.ops, "bridge snoop", func(ctx context.Context) error {
		return t.app.ari.AddChannel(ctx, bridge, id)
	}, func(err error) { t.watchStep(sup, gen, err) })
}

// watchStep: a mode change was carried out (or failed).
func (t *tenant) watchStep(sup *agent, gen uint64, err error) {
	w := sup.watch
	if w == nil || w.gen != gen {
		return
	}
	if err != nil {
		t.log.Warn("supervision failed", "supervisor", sup.cfg.Username, "agent", w.target.cfg.Username, "mode", w.mode, "err", err)
		t.stopWatch(sup, "failed")
		return
	}
	w.active, w.activeAt = true, t.now()
	t.sendWatch(sup, w, "")
	switch w.mode {
	case cti.CmdBarge:
		t.announce(w.call, nil, sup, "barged")
	case cti.CmdWhisper:
		t.resendCall(w.target, w.call) // coached for as long as it lasts
		t.noticeTo(w.target, w.call, "coaching", sup)
	}
}

// stopWatch ends the supervisor's listening in: the snoop and the monitor
// bridge go (and the supervisor's line with it out of the bridge), or after a
// barge the line leaves the call's bridge.
func (t *tenant) stopWatch(sup *agent, reason string) {
	w := sup.watch
	if w == nil {
		return
	}
	sup.watch = nil
	w.gen++
	c := w.call
	coached := w.mode == cti.CmdWhisper && w.active
	for i, s := range c.watchers {
		if s == sup {
			c.watchers = append(c.watchers[:i], c.watchers[i+1:]...)
			break
		}
	}
	if w.snoop != "" {
		delete(t.snoops, w.snoop)
	}
	snoop, bridge := w.snoop, w.bridge
	supLine, callBridge := "", ""
	if sup.line.state == lineUp && bridge == "" {
		// barged: the line is in the call's bridge (a monitor bridge's
		// destruction takes it out of that one)
		supLine, callBridge = sup.line.channel, c.bridge
	}
	t.execAfter([]*serial{&w.ops, &sup.line.ops}, "stop listening", func(ctx context.Context) error {
		a := t.app.ari
		var errs []error
		if snoop != "" {
			errs = append(errs, ignoreGone(a.Hangup(ctx, snoop, "")))
		}
		if supLine != "" && callBridge != "" {
			errs = append(errs, ignoreNotInBridge(ignoreGone(a.RemoveChannel(ctx, callBridge, supLine))))
		}
		if bridge != "" {
			errs = append(errs, ignoreGone(a.DestroyBridge(ctx, bridge)))
		}
		return errors.Join(errs...)
	}, nil)
	t.sendWatch(sup, w, reason)
	if w.mode == cti.CmdBarge && w.active && c.state != callEnded {
		t.announce(c, nil, sup, "left")
	}
	if coached {
		t.resendCall(w.target, c)
	}
	t.syncRouting(sup)
}

// coach is the supervisor who whispers to ag on this call, if any.
func (c *call) coach(ag *agent) *agent {
	for _, s := range c.watchers {
		if w := s.watch; w != nil && w.mode == cti.CmdWhisper && w.active && w.target == ag {
			return s
		}
	}
	return nil
}

// resendCall sends ag its view of call c again, after a change only ag sees.
func (t *tenant) resendCall(ag *agent, c *call) {
	if ag.call == c && ag.leg != nil && c.state != callEnded {
		t.send(ag, cti.Message{Type: cti.MsgCall, Call: callView(c, ag.leg)})
	}
}

// stopWatchers ends the listening in on ag's part of call c (ag left it).
func (t *tenant) stopWatchers(c *call, ag *agent) {
	for _, sup := range append([]*agent(nil), c.watchers...) {
		if sup.watch != nil && sup.watch.target == ag {
			t.stopWatch(sup, "call_ended")
		}
	}
}

func (t *tenant) sendWatch(sup *agent, w *watch, ended string) {
	t.send(sup, cti.Message{Type: cti.MsgWatch, Watch: watchView(w, ended)})
}

func watchView(w *watch, ended string) *cti.WatchView {
	v := &cti.WatchView{Agent: w.target.cfg.ID, Name: w.target.cfg.Name, Call: w.call.id, Mode: w.mode, State: "connecting"}
	switch {
	case ended != "":
		v.State, v.Reason = "ended", ended
	case w.active:
		v.State = "active"
	}
	return v
}

// bargers are the supervisors in the call with everyone.
func (c *call) bargers() []*agent {
	var out []*agent
	for _, s := range c.watchers {
		if w := s.watch; w != nil && w.mode == cti.CmdBarge && w.active {
			out = append(out, s)
		}
	}
	return out
}

// changeAgentState carries out a supervisor's Ready, Not Ready or logout for
// an agent of their team; the agent's toolbar shows who did it.
func (t *tenant) changeAgentState(sup *agent, cmd cti.Command) error {
	ag, err := t.supervised(sup, cmd.Agent)
	if err != nil {
		return err
	}
	if ag.session == nil {
		return fmt.Errorf("%w: %s is not logged in", ErrNotAllowed, ag.cfg.Name)
	}
	t.advance(ag)
	ag.by = sup.cfg.Name
	defer func() { ag.by = "" }()
	switch cmd.Cmd {
	case cti.CmdAgentReady:
		if ag.fsm.State() == wrapup.Ready {
			return nil
		}
		if ag.watch != nil {
			return fmt.Errorf("%w: %s is listening in on a call", ErrNotAllowed, ag.cfg.Name)
		}
		if err := t.step(ag, wrapup.InReady, ""); err != nil {
			return fmt.Errorf("%w: %s cannot go Ready while %s", ErrNotAllowed, ag.cfg.Name, readable(ag.fsm.State()))
		}
	case cti.CmdAgentNotReady:
		if cmd.Reason != "" && !t.knownReason(cmd.Reason) {
			return fmt.Errorf("%w: unknown Not Ready reason", ErrBadCommand)
		}
		if err := t.step(ag, wrapup.InNotReady, cmd.Reason); err != nil {
			return fmt.Errorf("%w: %s cannot go Not Ready while %s", ErrNotAllowed, ag.cfg.Name, readable(ag.fsm.State()))
		}
	case cti.CmdAgentLogout:
		if ag.call != nil {
			return fmt.Errorf("%w: %s is on a call; set them Not Ready and it takes effect after the call", ErrNotAllowed, ag.cfg.Name)
		}
		t.log.Info("supervisor logs agent out", "supervisor", sup.cfg.Username, "agent", ag.cfg.Username)
		t.endSession(ag, cti.ByeSupervisor)
	}
	return nil
}

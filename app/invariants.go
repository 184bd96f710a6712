package app

import (
	"errors"
	"fmt"
	"time"

	"github.com/ccaas/ccaas/queue"
	"github.com/ccaas/ccaas/wrapup"
)

// end marks a call ended, once, and hands its record to the recorder.
func (t *tenant) end(c *call, reason string) {
	c.ends++
	t.markQueuesDirty() // it may have been waiting
	c.state, c.endedAt, c.endReason = callEnded, t.now(), reason
	if c.held {
		c.holdTotal += c.endedAt.Sub(c.heldSince)
		c.held = false
	}
	r := t.record(c)
	t.countCall(r)
	t.app.recordCall(r)
	t.qlogEnd(c, reason)
}

// invariants checks what must hold between any two inputs of the loop
// (Config.CheckInvariants). It is O(agents + calls).
func (t *tenant) invariants() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, ag := range t.agents {
		name := ag.cfg.Username
		s := ag.fsm.State()
		if c, l := ag.call, ag.leg; c != nil || l != nil {
			switch {
			case c == nil || l == nil:
				bad("%s has a call without a leg or a leg without a call", name)
			case !c.has(l) || l.ag != ag:
				bad("%s's leg is not part of call %s", name, c.id)
			case c.state == callEnded || c.state == callWaiting:
				bad("%s holds call %s which is %s", name, c.id, c.state)
			case !ag.fsm.OnCall():
				bad("%s holds call %s while %s", name, c.id, s)
			case (l.state == legOffered) != (s == wrapup.Offered):
				bad("%s's leg is %s while %s", name, l.state, s)
			}
		} else if ag.fsm.OnCall() {
			bad("%s is %s without a call", name, s)
		}
		if ag.session == nil && s != wrapup.LoggedOut {
			bad("%s is %s without a session", name, s)
		}
		if d, ok := ag.fsm.Deadline(); ok && t.now().Sub(d) > 2*time.Second {
			bad("%s missed a deadline by %v", name, t.now().Sub(d))
		}
	}
	for id, c := range t.calls {
		if c.ends > 1 {
			bad("call %s ended %d times", id, c.ends)
		}
		waiting := t.router.IsWaiting(queue.CallID(id))
		if waiting != (c.state == callWaiting) {
			bad("call %s is %s but waiting in the router: %v", id, c.state, waiting)
		}
		seen := make(map[*agent]bool)
		for _, l := range c.legs {
			if seen[l.ag] {
				bad("agent %s is twice on call %s", l.ag.cfg.Username, id)
			}
			seen[l.ag] = true
			if l.ag.call != c || l.ag.leg != l {
				bad("call %s has a leg of %s, who is elsewhere", id, l.ag.cfg.Username)
			}
		}
		if (c.state == callOffered || c.state == callConnected) && len(c.legs) == 0 {
			bad("call %s is %s without agents", id, c.state)
		}
		if c.state == callConnected && c.connectedAgents() == 0 {
			bad("call %s is connected without a connected agent", id)
		}
	}
	// no waiting call stays waiting while an eligible agent is Ready
	if cid, aid, ok := t.router.Next(); ok {
		bad("call %s waits while agent %d is Ready for it", cid, aid)
	}
	return errors.Join(errs...)
}

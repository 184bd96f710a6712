package app

import (
	"errors"
	"fmt"
	"time"

	"github.com/ccaas/ccaas/queue"
	"github.com/ccaas/ccaas/wrapup"
)

// end marks a call ended, once.
func (t *tenant) end(c *call, reason string) {
	c.ends++
	c.state, c.endedAt, c.endReason = callEnded, t.now(), reason
}

// invariants checks what must hold between any two inputs of the loop
// (Config.CheckInvariants). It is O(agents + calls).
func (t *tenant) invariants() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	holder := make(map[*call]*agent)
	for _, ag := range t.agents {
		name := ag.cfg.Username
		s := ag.fsm.State()
		if c := ag.call; c != nil {
			if other, ok := holder[c]; ok {
				bad("call %s is with %s and %s", c.id, other.cfg.Username, name)
			}
			holder[c] = ag
			if c.agent != ag {
				bad("%s holds call %s whose agent is someone else", name, c.id)
			}
			if c.state != callOffered && c.state != callConnecting && c.state != callConnected {
				bad("%s holds call %s which is %s", name, c.id, c.state)
			}
			if !ag.fsm.OnCall() {
				bad("%s holds call %s while %s", name, c.id, s)
			}
			if c.state == callOffered && s != wrapup.Offered {
				bad("%s has an offer while %s", name, s)
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
		if (c.state == callOffered || c.state == callConnecting || c.state == callConnected) && (c.agent == nil || holder[c] != c.agent) {
			bad("call %s is %s without its agent holding it", id, c.state)
		}
	}
	// no waiting call stays waiting while an eligible agent is Ready
	if cid, aid, ok := t.router.Next(); ok {
		bad("call %s waits while agent %d is Ready for it", cid, aid)
	}
	return errors.Join(errs...)
}

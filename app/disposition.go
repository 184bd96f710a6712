package app

import (
	"fmt"
	"slices"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/event"
	"github.com/ccaas/ccaas/validate"
	"github.com/ccaas/ccaas/wrapup"
)

// Dispositions and wrapup. During a call and in the wrapup after it an
// agent records their disposition of the call: one of its queue's wrapup
// codes and a note. The last one given counts; the recorder writes it
// (DispositionGiven) apart from the call's record, which is often written
// before it. A queue that requires a code keeps an agent who owes it in
// wrapup until they give it, and a tenant may let agents end their wrapup
// early once no code is owed.

// endPart moves an agent's state on once their part in a call they talked
// in ended (release): wrapup after an inbound queue call they answered,
// for their wrapup time, held open until they give a wrapup code where the
// queue requires one they have not given.
func (t *tenant) endPart(ag *agent, c *call, l *leg) {
	var wrap time.Duration
	wraps := l.wraps(c)
	if wraps {
		wrap = time.Duration(ag.cfg.WrapupSeconds) * time.Second
	}
	call, q := dispositionOf(c, l)
	var trs []wrapup.Transition
	if wraps && codeRequired(q) && !ag.codeGiven(call) {
		trs, _ = ag.fsm.EndCallAwaiting(t.now(), wrap)
	} else {
		trs, _ = ag.fsm.EndCall(t.now(), wrap)
	}
	t.applied(ag, trs)
}

// dispositionOf is the call (and queue) whose disposition the agent of leg
// l gives while on call c: c itself, or the queue call a consultation's
// customer left them owing (consult.go).
func dispositionOf(c *call, l *leg) (ccaas.CallID, *ccaas.Queue) {
	if o := l.owed; o != nil {
		return o.call, o.queue
	}
	return c.id, c.queue
}

// codeRequired reports whether a queue keeps its agents in wrapup until
// they give a wrapup code: it requires one, and has codes to give.
func codeRequired(q *ccaas.Queue) bool {
	return q != nil && q.CodeRequired && len(q.WrapupCodes) > 0
}

// codeGiven reports whether the agent gave a wrapup code for the call.
func (ag *agent) codeGiven(call ccaas.CallID) bool {
	return ag.given != nil && ag.given.Call == call && ag.given.Code != ""
}

// dispose records the agent's disposition of a call: their current call
// (once answered), or the one their wrapup follows.
func (t *tenant) dispose(ag *agent, id ccaas.CallID, code, note string) error {
	call, q, err := t.dispositionTarget(ag, id)
	if err != nil {
		return err
	}
	if err := validate.Note(note); err != nil {
		return fmt.Errorf("%w: the note: %w", ErrBadCommand, err)
	}
	if code != "" && (q == nil || !slices.Contains(q.WrapupCodes, code)) {
		if q == nil || len(q.WrapupCodes) == 0 {
			return fmt.Errorf("%w: this call has no wrapup codes; give a note only", ErrBadCommand)
		}
		return fmt.Errorf("%w: %q is not a wrapup code of queue %s", ErrBadCommand, code, q.Name)
	}
	d := ccaas.Disposition{Tenant: t.cfg.Tenant.ID, Call: call, Agent: ag.cfg.ID, Queue: queueID(q), Code: code, Note: note, At: t.now()}
	ag.given = &d
	t.emit(event.DispositionGiven{At: d.At, Disposition: d})
	t.send(ag, cti.Message{Type: cti.MsgDisposition, Disposition: dispositionView(ag, call, q)})
	if code != "" && ag.fsm.Awaiting() && ag.lastCall == call {
		t.applied(ag, ag.fsm.CodeGiven(t.now()))
	}
	return nil
}

// dispositionTarget finds the call the agent names among those they may
// give a disposition of, with its queue.
func (t *tenant) dispositionTarget(ag *agent, id ccaas.CallID) (ccaas.CallID, *ccaas.Queue, error) {
	if c, l := ag.call, ag.leg; c != nil && l != nil {
		call, q := dispositionOf(c, l)
		switch {
		case call != id:
		case l.state == legOffered:
			return "", nil, fmt.Errorf("%w: answer the call first", ErrNotAllowed)
		default:
			return call, q, nil
		}
	}
	if ag.fsm.State() == wrapup.Wrapup && ag.lastCall == id && id != "" {
		return id, t.queues[ag.lastQueue], nil
	}
	return "", nil, fmt.Errorf("%w: %q is neither your call nor the call of your wrapup", ErrNoSuchCall, id)
}

// dispositionView is what the agent may record of a call and what they did.
func dispositionView(ag *agent, call ccaas.CallID, q *ccaas.Queue) *cti.DispositionView {
	v := &cti.DispositionView{Call: call, Codes: []string{}}
	if q != nil {
		v.Queue, v.Required = q.Name, codeRequired(q)
		v.Codes = append(v.Codes, q.WrapupCodes...)
	}
	if g := ag.given; g != nil && g.Call == call {
		v.Code, v.Note = g.Code, g.Note
	}
	return v
}

// endWrapup ends the agent's wrapup before its time, where the tenant
// allows it and no wrapup code is owed.
func (t *tenant) endWrapup(ag *agent) error {
	if ag.fsm.State() == wrapup.Wrapup && !t.cfg.Settings.EndWrapupEarly {
		return fmt.Errorf("%w: your wrapup ends by itself; your admin has not let agents end it early", ErrNotAllowed)
	}
	return t.step(ag, wrapup.InEndWrapup, "")
}

// codesChanged releases the agents whose wrapup waits for a code of a
// queue that no longer requires one, or is gone (reload).
func (t *tenant) codesChanged() {
	for _, ag := range t.agents {
		if ag.fsm.Awaiting() && !codeRequired(t.queues[ag.lastQueue]) {
			t.applied(ag, ag.fsm.CodeNotRequired(t.now()))
		}
	}
}

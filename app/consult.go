package app

import (
	"fmt"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/event"
	"github.com/ccaas/ccaas/wrapup"
)

// Consultation, the first step of an attended transfer. An agent alone
// with a customer consults a Ready colleague: the customer goes on hold
// (out of the call's bridge, with music), and the colleague is offered the
// call with role consult; on their Answer their line joins the call's
// bridge, where only the consulting agent's line is left, so the two talk
// while the customer hears music. Then:
//   - complete: the consulting agent's line leaves and the customer comes
//     back into the bridge, now with the colleague (an attended transfer);
//   - cancel: the colleague's line leaves and the customer comes back;
//   - conference: the customer comes back, and all three talk.
//
// No bridge of its own is needed: the call's bridge holds the two agents
// during the consultation, which is a state of the call (call.consult, the
// colleague's leg) rather than a call of its own.
//
// Whatever fails, the customer is never lost (docs/cti-protocol.md, A
// consultation): a colleague who does not answer or leaves leaves the
// customer on hold with the consulting agent; the consulting agent hanging
// up or being lost hands the customer to a colleague who answered; a
// customer who hangs up ends their call, and the agents go on talking on a
// call of their own.

// consult starts a consultation of the agent of extension ext about the
// call: the customer goes on hold, the colleague is offered the call.
func (t *tenant) consult(ag *agent, id ccaas.CallID, ext string) error {
	c, l, err := t.connectedLeg(ag, id)
	if err != nil {
		return err
	}
	switch {
	case c.consult != nil:
		return t.consultBusy(c, l)
	case c.customer == "" || !c.customerUp:
		return fmt.Errorf("%w: only a call with a customer can be consulted about; call your colleague instead", ErrNotAllowed)
	case c.agentsWith(l) > 0:
		return fmt.Errorf("%w: a consultation is for a call you are alone on with the customer", ErrNotAllowed)
	}
	if o := c.invited(); o != nil {
		return fmt.Errorf("%w: %s (%s) is being invited to this call; consult once they have answered or the invitation has ended", ErrNotAllowed, o.ag.cfg.Name, o.ag.cfg.Extension)
	}
	to, err := t.target(ag, ext)
	if err != nil {
		return err
	}
	if !c.held {
		if !c.customerIn {
			return fmt.Errorf("%w: the customer is not connected yet", ErrNotAllowed)
		}
		t.holdCustomer(c)
	}
	t.emit(event.ConsultStarted{At: t.now(), Call: c.id, From: ag.cfg.ID, To: to.cfg.ID, Extension: to.cfg.Extension})
	if err := t.offer(c, to, roleConsult, ag); err != nil {
		// checked above; should it still fail, the customer stays on hold with the agent
		t.emit(event.ConsultEnded{At: t.now(), Call: c.id, From: ag.cfg.ID, To: to.cfg.ID, Outcome: event.ConsultNoAnswer})
		t.broadcast(c, nil, "")
		return err
	}
	t.log.Info("consultation", "call", c.id, "from", ag.cfg.Username, "to", to.cfg.Username)
	t.broadcast(c, nil, "")
	return nil
}

// consultBusy says why another consultation, transfer, conference
// invitation, hold or resume is refused while one is going on, in the
// words of the agent of leg l.
func (t *tenant) consultBusy(c *call, l *leg) error {
	k := c.consult
	if l == k {
		return fmt.Errorf("%w: %s (%s) is consulting you about this call; they complete, cancel or make it a conference", ErrNotAllowed, k.from.cfg.Name, k.from.cfg.Extension)
	}
	return fmt.Errorf("%w: you are consulting %s (%s): complete the transfer, cancel to go back to the caller, or make it a conference first", ErrNotAllowed, k.ag.cfg.Name, k.ag.cfg.Extension)
}

// consulting returns the consultation the agent of l started on the call,
// or an error saying why there is none to act on.
func (t *tenant) consulting(ag *agent, id ccaas.CallID) (*call, *leg, error) {
	c, l, err := t.connectedLeg(ag, id)
	if err != nil {
		return nil, nil, err
	}
	switch k := c.consult; {
	case k == nil:
		return nil, nil, fmt.Errorf("%w: you are not consulting anyone on this call", ErrNotAllowed)
	case k.from != ag:
		return nil, nil, t.consultBusy(c, l)
	}
	return c, l, nil
}

// consultAnswered refuses to complete a consultation, or make it a
// conference, before the colleague answered.
func consultAnswered(c *call) error {
	if k := c.consult; k.state != legConnected {
		return fmt.Errorf("%w: %s (%s) has not answered yet: wait for them, or cancel the consultation", ErrNotAllowed, k.ag.cfg.Name, k.ag.cfg.Extension)
	}
	return nil
}

// consultComplete: the customer goes to the colleague (attended transfer).
func (t *tenant) consultComplete(ag *agent, id ccaas.CallID) error {
	c, l, err := t.consulting(ag, id)
	if err != nil {
		return err
	}
	if err := consultAnswered(c); err != nil {
		return err
	}
	t.completeConsult(c, l, ccaas.EndTransferred)
	return nil
}

// completeConsult hands the customer to the colleague who answered: the
// consulting agent's part ends for reason (transferred, or why they were
// lost), and the customer joins the colleague in the call's bridge.
func (t *tenant) completeConsult(c *call, l *leg, reason string) {
	k := c.consult
	c.consult = nil
	c.transfers++
	c.transferredBy = &cti.AgentRef{Name: l.ag.cfg.Name, Extension: l.ag.cfg.Extension}
	t.emit(event.ConsultEnded{At: t.now(), Call: c.id, From: l.ag.cfg.ID, To: k.ag.cfg.ID, Outcome: event.ConsultCompleted, Bridge: c.bridge})
	t.log.Info("attended transfer", "call", c.id, "from", l.ag.cfg.Username, "to", k.ag.cfg.Username)
	t.release(c, l, reason)
	t.resumeCustomer(c)
	t.broadcast(c, nil, "")
}

// consultConference: the customer comes back, and all three talk.
func (t *tenant) consultConference(ag *agent, id ccaas.CallID) error {
	c, _, err := t.consulting(ag, id)
	if err != nil {
		return err
	}
	if err := consultAnswered(c); err != nil {
		return err
	}
	k := c.consult
	c.consult = nil
	c.joins++
	t.emit(event.ConsultEnded{At: t.now(), Call: c.id, From: ag.cfg.ID, To: k.ag.cfg.ID, Outcome: event.ConsultConference})
	t.resumeCustomer(c)
	t.broadcast(c, nil, "")
	return nil
}

// consultCancel: back to the customer; the colleague's part ends.
func (t *tenant) consultCancel(ag *agent, id ccaas.CallID) error {
	c, _, err := t.consulting(ag, id)
	if err != nil {
		return err
	}
	t.callOff(c)
	t.resumeCustomer(c)
	t.broadcast(c, nil, "")
	return nil
}

// callOff ends the consultation: the colleague's offer is withdrawn, or
// their part ends (consult_ended).
func (t *tenant) callOff(c *call) {
	k := c.consult
	c.consult = nil
	t.emit(event.ConsultEnded{At: t.now(), Call: c.id, From: k.from.cfg.ID, To: k.ag.cfg.ID, Outcome: event.ConsultCancelled})
	reason := ccaas.EndConsultEnded
	if k.state == legOffered {
		reason = ccaas.EndWithdrawn
	}
	t.release(c, k, reason)
}

// consultHoldFailed: the customer could not be put on hold for a
// consultation, and holdFailed brings them back into the conversation: the
// consultation is called off, as if cancelled.
func (t *tenant) consultHoldFailed(c *call) {
	if c.consult != nil {
		t.callOff(c)
	}
}

// consultHangup: the consulting agent hangs up during the consultation. The
// customer goes to the colleague: at once if they answered, else when they
// do, as after a blind transfer (what a PBX does when the transferring
// party hangs up while the target rings).
func (t *tenant) consultHangup(c *call, l *leg) {
	k := c.consult
	if k.state == legConnected {
		t.completeConsult(c, l, ccaas.EndTransferred)
		return
	}
	c.consult = nil
	t.emit(event.ConsultEnded{At: t.now(), Call: c.id, From: l.ag.cfg.ID, To: k.ag.cfg.ID, Outcome: event.ConsultBlind})
	c.endHold(t.now()) // the customer goes on hearing music, now waiting for the colleague
	c.transfers++
	c.transferredBy = &cti.AgentRef{Name: l.ag.cfg.Name, Extension: l.ag.cfg.Extension}
	k.role = roleTransfer
	t.log.Info("blind transfer: the consulting agent hung up", "call", c.id, "from", l.ag.cfg.Username, "to", k.ag.cfg.Username)
	t.emit(event.CallTransferred{At: t.now(), Call: c.id, From: l.ag.cfg.ID, To: k.ag.cfg.ID, Extension: k.ag.cfg.Extension})
	t.release(c, l, ccaas.EndTransferred)
	c.state = callOffered
	t.broadcast(c, nil, "")
}

// consultAgentLost: the consulting agent's line, page or session went away
// during the consultation (agentLost). A colleague who answered gets the
// customer; one whose phone still rings is withdrawn, and the call goes on
// as any call whose agent was lost (a queue call back to the head of its
// queue). It reports whether it took care of the agent.
func (t *tenant) consultAgentLost(c *call, l *leg, reason string) bool {
	k := c.consult
	if k == nil || k.from != l.ag {
		return false
	}
	if k.state == legConnected {
		t.completeConsult(c, l, reason)
		return true
	}
	c.consult = nil
	t.emit(event.ConsultEnded{At: t.now(), Call: c.id, From: l.ag.cfg.ID, To: k.ag.cfg.ID, Outcome: event.ConsultAgentLost})
	c.endHold(t.now())
	t.release(c, k, ccaas.EndWithdrawn)
	return false
}

// consultPartGone clears a consultation whose colleague's or consulting
// agent's part ended in a way no consultation command chose (no answer,
// the colleague hung up or was lost, the call ended): release calls it.
func (t *tenant) consultPartGone(c *call, l *leg, reason string) {
	k := c.consult
	if k == nil || (l != k && l.ag != k.from) {
		return
	}
	c.consult = nil
	outcome := event.ConsultLeft
	switch {
	case l != k:
		outcome = event.ConsultAgentLost
	case reason == ccaas.EndCallerHangup:
		outcome = event.ConsultCustomerLeft
	case l.state == legOffered:
		outcome = event.ConsultNoAnswer
	}
	t.emit(event.ConsultEnded{At: t.now(), Call: c.id, From: k.from.cfg.ID, To: k.ag.cfg.ID, Outcome: outcome})
}

// consultCustomerGone: the customer hung up while on hold during a
// consultation the colleague answered (callerGone). Their call ends, with
// both agents' parts, and the two agents go on talking on a call of their
// own, in the same bridge; the consulting agent still owes the customer's
// call its wrapup (and wrapup code). It reports whether it took care of
// the call.
func (t *tenant) consultCustomerGone(c *call) bool {
	k := c.consult
	if k == nil || k.state != legConnected {
		return false
	}
	a, b := k.from.leg, k
	c.consult = nil
	now := t.now()
	t.emit(event.ConsultEnded{At: now, Call: c.id, From: a.ag.cfg.ID, To: b.ag.cfg.ID, Outcome: event.ConsultCustomerLeft})
	t.log.Info("the customer hung up during a consultation; the agents go on", "call", c.id)
	c.customerUp, c.customerIn = false, false
	owes := &owed{call: c.id, queue: c.queue, wrapup: a.wraps(c)}
	for _, l := range []*leg{a, b} {
		t.leave(c, l, ccaas.EndCallerHangup)
	}
	bridge := c.bridge
	c.bridge = "" // the agents' call has it now
	t.end(c, ccaas.EndCallerHangup)
	t.armCallTimers(c)
	delete(t.calls, c.id)

	d := &call{
		id:         ccaas.CallID(newID(kindCall, t.cfg.Tenant.ID)),
		direction:  ccaas.DirInternal,
		caller:     ari.CallerID{Number: b.ag.cfg.Extension, Name: b.ag.cfg.Name},
		dialler:    ari.CallerID{Number: a.ag.cfg.Extension, Name: a.ag.cfg.Name},
		arrived:    now,
		answeredAt: now,
		state:      callConnected,
		bridge:     bridge,
		data:       []cti.DataItem{},
	}
	la := &leg{ag: a.ag, state: legConnected, role: roleDialer, offeredAt: now, joinedAt: now, muted: a.muted, owed: owes}
	lb := &leg{ag: b.ag, state: legConnected, role: roleConsult, offeredAt: now, joinedAt: now, muted: b.muted, from: a.ag}
	d.legs = []*leg{la, lb}
	t.calls[d.id] = d
	a.ag.call, a.ag.leg = d, la
	b.ag.call, b.ag.leg = d, lb
	t.emit(event.CallDialled{At: now, Call: d.id, Agent: a.ag.cfg.ID, Number: b.ag.cfg.Extension, Internal: true})
	for _, l := range d.legs {
		t.emit(event.CallConnected{At: now, Call: d.id, Agent: d.part(l), Offered: now, Line: l.ag.line.channel})
	}
	name := c.caller.Name
	if name == "" {
		name = c.caller.Number
	}
	t.broadcast(d, nil, "")
	// after the new call: a page takes a new call as the end of the old one's notices
	for _, l := range d.legs {
		t.send(l.ag, cti.Message{Type: cti.MsgNotice, Notice: &cti.NoticeView{Kind: "customer_left", Name: name, Call: c.id}})
	}
	return true
}

// leave ends an agent's part in a call without ending their call: they go
// on talking on another (consultCustomerGone). Their part is recorded, and
// whoever listens in on it stops.
func (t *tenant) leave(c *call, l *leg, reason string) {
	c.remove(l)
	l.ag.call, l.ag.leg = nil, nil
	t.partEnded(c, l, reason)
}

// owed is what an agent's part in a queue call left them owing when they
// went on talking on another call (consultCustomerGone): the wrapup after
// it, with a wrapup code where the queue requires one, counted for that
// call and queue.
type owed struct {
	call   ccaas.CallID
	queue  *ccaas.Queue
	wrapup bool
}

// wraps reports whether the part of leg l in call c ends in wrapup: an
// queue call (a caller, a callback, a voicemail) the agent answered from
// the queue and talked in.
func (l *leg) wraps(c *call) bool {
	if l.owed != nil {
		return l.owed.wrapup
	}
	return l.role == roleAnswer && l.state == legConnected && c.queueTask() && c.queue != nil && !c.direct
}

// consultView is the consultation about call c as the agent of leg l sees
// it; nil when there is none, or l takes no part in it.
func consultView(c *call, l *leg) *cti.ConsultView {
	k := c.consult
	if k == nil {
		return nil
	}
	v := &cti.ConsultView{State: k.state.String(), Since: timePtr(k.offeredAt)}
	if k.state == legConnected {
		v.Since = timePtr(k.joinedAt)
	}
	switch {
	case l == k:
		v.Name, v.Extension, v.Role = k.from.cfg.Name, k.from.cfg.Extension, cti.ConsultConsulted
	case l.ag == k.from:
		v.Name, v.Extension, v.Role = k.ag.cfg.Name, k.ag.cfg.Extension, cti.ConsultConsulting
	default:
		return nil
	}
	return v
}

// consultInvariants checks a call's consultation (invariants).
func consultInvariants(c *call) error {
	k := c.consult
	switch {
	case k == nil:
		return nil
	case !c.has(k) || k.role != roleConsult:
		return fmt.Errorf("call %s: its consultation is not a consult leg of the call", c.id)
	case k.from == nil || k.from.call != c || k.from.leg == nil || k.from.leg.state != legConnected:
		return fmt.Errorf("call %s: its consulting agent is not connected to it", c.id)
	case !c.held || c.customerIn:
		return fmt.Errorf("call %s: the customer is not on hold during a consultation", c.id)
	case k.state == legConnected && k.ag.fsm.State() != wrapup.Talking:
		return fmt.Errorf("call %s: the colleague consulted is %s", c.id, k.ag.fsm.State())
	}
	return nil
}

package app

import (
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/cti"
)

func stateView(ag *agent) *cti.StateView {
	v := &cti.StateView{State: ag.fsm.State().String(), Reason: ag.fsm.Reason(), Since: ag.fsm.Since().UTC(), Pending: ag.fsm.Pending(), By: ag.stateBy}
	if d, ok := ag.fsm.Until(); ok {
		v.Until = timePtr(d)
	}
	if ag.fsm.Awaiting() {
		v.Awaiting = cti.AwaitingWrapupCode
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

// otherParty is whom the agent of leg l is on the call with, as their screen
// names them: the customer (the caller, or the number dialled), or between
// agents the other agent: the one dialled for the dialler, the dialler for
// the agent called (and anyone they invite).
func (c *call) otherParty(l *leg) cti.CallerView {
	if c.direction == ccaas.DirInternal && l.role != roleDialer {
		return cti.CallerView{Number: c.dialler.Number, Name: c.dialler.Name}
	}
	return cti.CallerView{Number: c.caller.Number, Name: c.caller.Name}
}

// callView is a call as the agent of leg l sees it.
func callView(c *call, l *leg) *cti.CallView {
	v := &cti.CallView{
		ID:          c.id,
		State:       l.state.String(),
		Direction:   c.direction,
		Role:        l.role.String(),
		Caller:      c.otherParty(l),
		Parties:     make([]cti.PartyView, 0, len(c.legs)),
		Held:        c.held,
		HoldSeconds: int(c.holdTotal / time.Second),
		Muted:       l.muted,
		DID:         c.did,
		Data:        c.data,
		ArrivedAt:   timePtr(c.arrived),
		OfferedAt:   timePtr(l.offeredAt),
		AnsweredAt:  timePtr(l.joinedAt),
		EndedAt:     timePtr(c.endedAt),
		RingSeconds: int(c.ringTime() / time.Second),
		EndReason:   c.endReason,
		ScreenPop:   l.pop,
		Recording:   c.recordingView(),
	}
	if c.held {
		v.HeldSince = timePtr(c.heldSince)
	}
	if c.state == callEnded {
		v.State = callEnded.String()
	}
	for _, o := range c.legs {
		v.Parties = append(v.Parties, cti.PartyView{Name: o.ag.cfg.Name, Extension: o.ag.cfg.Extension, State: o.state.String(), Role: o.role.String()})
	}
	for _, s := range c.bargers() {
		v.Parties = append(v.Parties, cti.PartyView{Name: s.cfg.Name, Extension: s.cfg.Extension, State: legConnected.String(), Role: ccaas.RoleSupervisor})
	}
	if c.queue != nil {
		v.Queue = &cti.QueueView{ID: c.queue.ID, Name: c.queue.Name}
	}
	if s := c.coach(l.ag); s != nil {
		v.Coach = s.cfg.Name
	}
	v.Consult = consultView(c, l)
	if by := c.transferredBy; by != nil && by.Extension != l.ag.cfg.Extension { // not to the one who transferred it
		v.TransferredBy = by
	}
	if l.state != legOffered {
		call, q := dispositionOf(c, l)
		v.Disposition = dispositionView(l.ag, call, q)
	}
	c.taskView(v)
	return v
}

func (t *tenant) snapshot(ag *agent) cti.Message {
	m := cti.Message{
		Type: cti.MsgSnapshot,
		Agent: &cti.AgentView{
			ID: ag.cfg.ID, Username: ag.cfg.Username, Name: ag.cfg.Name, Extension: ag.cfg.Extension,
			Domain: t.cfg.Tenant.Domain, Tenant: t.cfg.Tenant.Name,
		},
		State:    stateView(ag),
		Line:     &cti.LineView{State: ag.line.state.String()},
		Reasons:  t.cfg.Reasons,
		Settings: &cti.SettingsView{NotifyIncoming: t.cfg.Settings.NotifyIncoming, EndWrapupEarly: t.cfg.Settings.EndWrapupEarly},
	}
	if ag.call != nil {
		m.Call = callView(ag.call, ag.leg)
	}
	if ag.leads() {
		m.Team = t.team.snapshot(ag)
	}
	if w := ag.watch; w != nil {
		m.Watch = watchView(w, "")
	}
	if ag.line.endpoint != "" {
		m.Phone = &cti.PhoneView{Username: ag.line.endpoint, Password: ag.line.password, LineToken: ag.line.token}
	}
	return m
}

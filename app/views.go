package app

import "time"

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

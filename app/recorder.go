package app

import (
	"context"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/wrapup"
)

// recorder appends agent state changes and call records to the store from
// its own goroutine, in batches, so a slow disk never holds up a tenant loop.
type recorder struct {
	app   *App
	inbox *mailbox
}

// logState logs one transition of ag: call is the call it belongs to ("" if
// none), by the supervisor who caused it ("" if the agent or the system).
func (a *App) logState(tenant ccaas.TenantID, ag *agent, tr wrapup.Transition, by string) {
	a.records.inbox.post(ccaas.StateChange{
		Tenant: tenant, Agent: ag.cfg.ID, At: tr.At,
		From: tr.From.String(), To: tr.To.String(), Reason: tr.Reason, Pending: tr.Pending, Cause: tr.Input.String(),
		Call: ag.callOf(tr), By: by,
	})
}

// callOf is the call a transition belongs to: the agent's current call, or
// the one that just ended for the wrapup after it.
func (ag *agent) callOf(tr wrapup.Transition) ccaas.CallID {
	switch {
	case ag.call != nil:
		return ag.call.id
	case tr.From == wrapup.Wrapup || tr.To == wrapup.Wrapup || tr.From == wrapup.Talking || tr.From == wrapup.Connecting || tr.From == wrapup.Offered:
		return ag.lastCall
	}
	return ""
}

func (a *App) recordCall(r ccaas.CallRecord) { a.records.inbox.post(r) }

// recordEvery is the least time between two writes: what arrives meanwhile
// shares one transaction. At load a transaction per row cost more than the
// rows (begin, prepare, commit); rows now reach the disk up to this late.
const recordEvery = 20 * time.Millisecond

// run writes until ctx ends, then writes what is left.
func (r *recorder) run(ctx context.Context) {
	pause := time.NewTimer(recordEvery)
	pause.Stop()
	for {
		select {
		case <-r.inbox.signal:
			r.flush()
		case <-ctx.Done():
			r.flush()
			return
		}
		pause.Reset(recordEvery)
		select {
		case <-pause.C:
		case <-ctx.Done():
			r.flush()
			return
		}
	}
}

func (r *recorder) flush() {
	items := r.inbox.drain()
	if len(items) == 0 {
		return
	}
	var (
		changes []ccaas.StateChange
		calls   []ccaas.CallRecord
	)
	for _, it := range items {
		switch v := it.(type) {
		case ccaas.StateChange:
			changes = append(changes, v)
		case ccaas.CallRecord:
			calls = append(calls, v)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if len(changes) > 0 {
		if err := r.app.store.AppendStateLog(ctx, changes); err != nil {
			r.app.log.Error("agent state log lost rows", "rows", len(changes), "err", err)
		}
	}
	if len(calls) > 0 {
		if err := r.app.store.AppendCallRecords(ctx, calls); err != nil {
			r.app.log.Error("call records lost", "calls", len(calls), "err", err)
		}
	}
}

// record builds a call's record when it ends.
func (t *tenant) record(c *call) ccaas.CallRecord {
	r := ccaas.CallRecord{
		ID: c.id, Tenant: t.cfg.Tenant.ID, Direction: c.direction,
		Number: c.caller.Number, Name: c.caller.Name, DID: c.did,
		Arrived: c.arrived, Answered: c.answeredAt, Ended: c.endedAt,
		Hold: c.holdTotal, Transfers: c.transfers, Joins: c.joins, EndReason: c.endReason,
	}
	if c.queue != nil {
		r.Queue, r.QueueName = c.queue.ID, c.queue.Name
	}
	if c.answeredAt.IsZero() {
		r.Wait = c.endedAt.Sub(c.arrived)
	} else {
		r.Wait = c.answeredAt.Sub(c.arrived)
		r.Talk = max(c.endedAt.Sub(c.answeredAt)-c.holdTotal, 0)
	}
	for _, h := range c.history {
		r.Agents = append(r.Agents, ccaas.CallAgent{Agent: h.agent, Role: h.role.String(), Offered: h.offeredAt, Joined: h.joinedAt, Left: h.leftAt, Hold: h.hold, Outcome: h.reason})
	}
	return r
}

package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/event"
	"github.com/ccaas/ccaas/webhook"
)

// recorder appends agent state changes, call records, dispositions and the
// webhook events that report them (the outbox) to the store from its own goroutine,
// in batches, so a slow disk never holds up a tenant loop. It loses nothing
// it can keep: a batch the store refuses is written again unit by unit (a
// fact with its events), so a row the store cannot take (a constraint) costs
// only its unit, and units the store did not answer for in time (a hung
// disk) are kept and written later.
type recorder struct {
	app   *App
	inbox *mailbox
	// kept are units the store did not answer for in time, oldest first;
	// the next write starts with them
	kept []ccaas.Records
}

// apply turns a tenant's events into rows: every agent-state change is a
// row of the state log, every ended call its record, and each event a
// webhook of the tenant wants an outbox row in the same unit. The JSON is
// made here, once, so that the rows hold what happened then.
func (r *recorder) apply(t *tenant, events []event.Event) {
	tenant := t.cfg.Tenant.ID
	for _, ev := range events {
		var unit ccaas.Records
		switch e := ev.(type) {
		case event.AgentChanged:
			unit.StateLog = []ccaas.StateChange{{
				Tenant: tenant, Agent: e.Agent, At: e.At,
				From: e.From.String(), To: e.To.String(), Reason: e.Reason, Pending: e.Pending, Cause: e.Input.String(),
				Call: e.Call, By: e.By,
			}}
		case event.CallEnded:
			unit.Calls = []ccaas.CallRecord{e.Record}
		case event.DispositionGiven:
			unit.Dispositions = []ccaas.Disposition{e.Disposition}
		}
		if len(t.cfg.Webhooks) > 0 {
			if o, ok := r.outbox(t, ev); ok {
				unit.Outbox = []ccaas.OutboxEvent{o}
			}
		}
		if !unit.Empty() {
			r.inbox.post(unit)
		}
	}
}

// outbox is the outbox row of an event, if a webhook of the tenant wants it.
func (r *recorder) outbox(t *tenant, ev event.Event) (ccaas.OutboxEvent, bool) {
	h, ok := webhook.Of(ev, t.agentName)
	if !ok {
		return ccaas.OutboxEvent{}, false
	}
	var to []ccaas.WebhookID
	for _, w := range t.cfg.Webhooks {
		if w.Wants(h.Type) {
			to = append(to, w.ID)
		}
	}
	if len(to) == 0 {
		return ccaas.OutboxEvent{}, false
	}
	o, err := webhook.Outbox(t.cfg.Tenant, h, to)
	if err != nil {
		t.log.Error("webhook event not kept: it cannot be encoded", "type", h.Type, "err", err)
		r.lost(RowOutbox, 1)
		return ccaas.OutboxEvent{}, false
	}
	return o, true
}

// agentName is an agent's username, a deleted agent's too ("" if unknown).
func (t *tenant) agentName(id ccaas.AgentID) string {
	if ag := t.agents[id]; ag != nil {
		return ag.cfg.Username
	}
	for _, d := range t.cfg.Deleted {
		if d.ID == id {
			return d.Username
		}
	}
	return ""
}

// recordEvery is the least time between two writes: what arrives meanwhile
// shares one transaction. At load a transaction per row cost more than the
// rows (begin, prepare, commit); rows now reach the disk up to this late.
const recordEvery = 20 * time.Millisecond

// Writing kept rows again: after this wait, and never more than maxKept rows
// (a disk that stays hung must not take all the memory: beyond, the oldest
// rows are lost, and counted).
const (
	recordRetry  = time.Second
	recordWithin = 10 * time.Second // a write the store has not answered by then failed
	maxKept      = 100_000
)

// Kinds of rows, as the log and the lost-records count name them.
const (
	RowStateLog    = "state_log"
	RowCallRecord  = "call_record"
	RowDisposition = "disposition"
	RowOutbox      = "webhook_event"
)

// run writes until ctx ends, then writes what is left.
func (r *recorder) run(ctx context.Context) {
	pause := time.NewTimer(recordEvery)
	pause.Stop()
	for {
		var retry <-chan time.Time
		if len(r.kept) > 0 {
			retry = time.After(recordRetry)
		}
		select {
		case <-r.inbox.signal:
		case <-retry:
		case <-ctx.Done():
			r.flush()
			return
		}
		r.flush()
		pause.Reset(recordEvery)
		select {
		case <-pause.C:
		case <-ctx.Done():
			r.flush()
			return
		}
	}
}

// flush writes the kept units and what arrived since, in one transaction.
func (r *recorder) flush() {
	units := r.kept
	r.kept = nil
	for _, it := range r.inbox.drain() {
		units = append(units, it.(ccaas.Records))
	}
	if len(units) == 0 {
		return
	}
	r.kept = r.write(units)
	// the kept units are the last ones: the sender is woken for the
	// webhook events among those written, not for every write
	if r.app.cfg.OutboxWritten != nil && hasOutbox(units[:len(units)-len(r.kept)]) {
		r.app.cfg.OutboxWritten()
	}
	if over := len(r.kept) - maxKept; over > 0 {
		r.app.log.Error("the store has not taken rows for a long time; the oldest are lost", "units", over)
		r.lostUnits(r.kept[:over])
		r.kept = append([]ccaas.Records(nil), r.kept[over:]...)
	}
}

// hasOutbox reports whether a unit has a webhook event.
func hasOutbox(units []ccaas.Records) bool {
	for _, u := range units {
		if len(u.Outbox) > 0 {
			return true
		}
	}
	return false
}

// write appends units in one transaction. If the store refuses it, each
// unit is written alone; a unit it refuses again is logged and counted as
// lost. It returns the units the store did not answer for in time, which
// are kept for the next write.
func (r *recorder) write(units []ccaas.Records) (kept []ccaas.Records) {
	ctx, cancel := context.WithTimeout(context.Background(), recordWithin)
	defer cancel()
	var all ccaas.Records
	for _, u := range units {
		all.Add(u)
	}
	err := r.app.store.AppendRecords(ctx, all)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		r.app.log.Warn("the store did not take the rows in time; they are kept and written again", "units", len(units), "err", err)
		return units
	}
	r.app.log.Warn("the store refused a batch of rows; writing them one by one", "units", len(units), "err", err)
	for i, u := range units {
		err := r.app.store.AppendRecords(ctx, u)
		switch {
		case err == nil:
		case ctx.Err() != nil:
			r.app.log.Warn("the store did not take the rows in time; they are kept and written again", "units", len(units)-i, "err", err)
			return units[i:]
		default:
			r.app.log.Error("rows lost: the store refuses them", "rows", describeUnit(u), "err", err)
			r.lostUnits(units[i : i+1])
		}
	}
	return nil
}

// lost counts rows that could not be written (Config.LostRecords).
func (r *recorder) lost(kind string, n int) {
	if n > 0 && r.app.cfg.LostRecords != nil {
		r.app.cfg.LostRecords(kind, n)
	}
}

// dropKept gives up the kept units (the app stops and the store still
// does not take them), saying how many.
func (r *recorder) dropKept() {
	if len(r.kept) == 0 {
		return
	}
	r.app.log.Error("the store did not take rows before the app stopped; they are lost", "units", len(r.kept))
	r.lostUnits(r.kept)
	r.kept = nil
}

// lostUnits counts the rows of units given up, by kind.
func (r *recorder) lostUnits(units []ccaas.Records) {
	var n ccaas.Records
	for _, u := range units {
		n.Add(u)
	}
	r.lost(RowStateLog, len(n.StateLog))
	r.lost(RowCallRecord, len(n.Calls))
	r.lost(RowDisposition, len(n.Dispositions))
	r.lost(RowOutbox, len(n.Outbox))
}

// describeUnit names a unit's rows in the log, so a lost one can be told apart.
func describeUnit(u ccaas.Records) string {
	var out []string
	for _, v := range u.StateLog {
		out = append(out, fmt.Sprintf("state log: tenant %d agent %d at %s: %s → %s (%s)", v.Tenant, v.Agent, v.At.UTC().Format(time.RFC3339Nano), v.From, v.To, v.Cause))
	}
	for _, v := range u.Calls {
		out = append(out, fmt.Sprintf("call record: tenant %d call %s ended %s (%s)", v.Tenant, v.ID, v.Ended.UTC().Format(time.RFC3339Nano), v.EndReason))
	}
	for _, v := range u.Dispositions {
		out = append(out, fmt.Sprintf("disposition: tenant %d call %s agent %d %q at %s", v.Tenant, v.Call, v.Agent, v.Code, v.At.UTC().Format(time.RFC3339Nano)))
	}
	for _, v := range u.Outbox {
		out = append(out, fmt.Sprintf("webhook event: tenant %d %s %s (%s)", v.Tenant, v.Type, v.ID, v.Key))
	}
	return strings.Join(out, "; ")
}

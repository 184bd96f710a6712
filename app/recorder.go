package app

import (
	"context"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/event"
)

// recorder appends agent state changes and call records to the store from
// its own goroutine, in batches, so a slow disk never holds up a tenant loop.
type recorder struct {
	app   *App
	inbox *mailbox
}

// apply turns a tenant's events into rows: every agent-state change is a
// row of the state log, every ended call its record.
func (r *recorder) apply(tenant ccaas.TenantID, events []event.Event) {
	for _, ev := range events {
		switch e := ev.(type) {
		case event.AgentChanged:
			r.inbox.post(ccaas.StateChange{
				Tenant: tenant, Agent: e.Agent, At: e.At,
				From: e.From.String(), To: e.To.String(), Reason: e.Reason, Pending: e.Pending, Cause: e.Input.String(),
				Call: e.Call, By: e.By,
			})
		case event.CallEnded:
			r.inbox.post(e.Record)
		}
	}
}

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

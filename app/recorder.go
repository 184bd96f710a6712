package app

import (
	"context"
	"fmt"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/event"
)

// recorder appends agent state changes and call records to the store from
// its own goroutine, in batches, so a slow disk never holds up a tenant loop.
// It loses nothing it can keep: a batch the store refuses is written again
// row by row, so a row the store cannot take (a constraint) costs only
// itself, and rows the store did not answer for in time (a hung disk) are
// kept and written later.
type recorder struct {
	app   *App
	inbox *mailbox
	// kept are rows the store did not answer for in time, oldest first;
	// the next write starts with them
	kept []any
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
		case event.DispositionGiven:
			r.inbox.post(e.Disposition)
		}
	}
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

// flush writes the kept rows and what arrived since, the state log first.
func (r *recorder) flush() {
	items := append(r.kept, r.inbox.drain()...)
	r.kept = nil
	if len(items) == 0 {
		return
	}
	var (
		changes      []ccaas.StateChange
		calls        []ccaas.CallRecord
		dispositions []ccaas.Disposition
	)
	for _, it := range items {
		switch v := it.(type) {
		case ccaas.StateChange:
			changes = append(changes, v)
		case ccaas.CallRecord:
			calls = append(calls, v)
		case ccaas.Disposition:
			dispositions = append(dispositions, v)
		}
	}
	for _, c := range writeRows(r, RowStateLog, changes, r.app.store.AppendStateLog) {
		r.kept = append(r.kept, c)
	}
	for _, c := range writeRows(r, RowCallRecord, calls, r.app.store.AppendCallRecords) {
		r.kept = append(r.kept, c)
	}
	// in the order given: an agent's later disposition of a call replaces
	// the earlier one
	for _, d := range writeRows(r, RowDisposition, dispositions, r.app.store.SetDispositions) {
		r.kept = append(r.kept, d)
	}
	if over := len(r.kept) - maxKept; over > 0 {
		r.app.log.Error("the store has not taken rows for a long time; the oldest are lost", "rows", over)
		r.lostKinds(r.kept[:over])
		r.kept = append([]any(nil), r.kept[over:]...)
	}
}

// writeRows appends rows in one transaction. If the store refuses it, each
// row is written alone; a row it refuses again is logged and counted as
// lost. It returns the rows the store did not answer for in time, which are
// kept for the next write.
func writeRows[R any](r *recorder, kind string, rows []R, appendRows func(context.Context, []R) error) (kept []R) {
	if len(rows) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), recordWithin)
	defer cancel()
	err := appendRows(ctx, rows)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		r.app.log.Warn("the store did not take the rows in time; they are kept and written again", "kind", kind, "rows", len(rows), "err", err)
		return rows
	}
	r.app.log.Warn("the store refused a batch of rows; writing them one by one", "kind", kind, "rows", len(rows), "err", err)
	for i, row := range rows {
		err := appendRows(ctx, rows[i:i+1])
		switch {
		case err == nil:
		case ctx.Err() != nil:
			r.app.log.Warn("the store did not take the rows in time; they are kept and written again", "kind", kind, "rows", len(rows)-i, "err", err)
			return rows[i:]
		default:
			r.app.log.Error("row lost: the store refuses it", "kind", kind, "row", describeRow(row), "err", err)
			r.lost(kind, 1)
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

// dropKept gives up the kept rows (the app stops and the store still does
// not take them), saying how many.
func (r *recorder) dropKept() {
	if len(r.kept) == 0 {
		return
	}
	r.app.log.Error("the store did not take rows before the app stopped; they are lost", "rows", len(r.kept))
	r.lostKinds(r.kept)
	r.kept = nil
}

// lostKinds counts rows of every kind as lost.
func (r *recorder) lostKinds(rows []any) {
	r.lost(RowStateLog, countOf[ccaas.StateChange](rows))
	r.lost(RowCallRecord, countOf[ccaas.CallRecord](rows))
	r.lost(RowDisposition, countOf[ccaas.Disposition](rows))
}

func countOf[R any](items []any) int {
	n := 0
	for _, it := range items {
		if _, ok := it.(R); ok {
			n++
		}
	}
	return n
}

// describeRow names a row in the log, so a lost one can be told apart.
func describeRow(row any) string {
	switch v := row.(type) {
	case ccaas.StateChange:
		return fmt.Sprintf("tenant %d agent %d at %s: %s → %s (%s)", v.Tenant, v.Agent, v.At.UTC().Format(time.RFC3339Nano), v.From, v.To, v.Cause)
	case ccaas.CallRecord:
		return fmt.Sprintf("tenant %d call %s ended %s (%s)", v.Tenant, v.ID, v.Ended.UTC().Format(time.RFC3339Nano), v.EndReason)
	case ccaas.Disposition:
		return fmt.Sprintf("tenant %d call %s agent %d disposition %q at %s", v.Tenant, v.Call, v.Agent, v.Code, v.At.UTC().Format(time.RFC3339Nano))
	}
	return fmt.Sprint(row)
}

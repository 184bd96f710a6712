package app

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/sqlite"
	"github.com/ccaas/ccaas/webhook"
)

// recorderWorld is a recorder writing to a real database with one tenant
// and one agent; lost counts what it reports lost.
type recorderWorld struct {
	rec    *recorder
	db     *sqlite.DB
	tenant ccaas.TenantID
	agent  ccaas.AgentID
	mu     sync.Mutex
	lost   map[string]int
}

func newRecorderWorld(t *testing.T, wrap func(ccaas.Store) ccaas.Store) *recorderWorld {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "rec.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ten, err := db.CreateTenant(ctx, ccaas.Tenant{Domain: "rec.example", Name: "Rec"})
	if err != nil {
		t.Fatal(err)
	}
	ag, err := db.CreateAgent(ctx, ccaas.Agent{TenantID: ten.ID, Username: "alice", Name: "Alice", Extension: "1001", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	w := &recorderWorld{db: db, tenant: ten.ID, agent: ag.ID, lost: map[string]int{}}
	var st ccaas.Store = db
	if wrap != nil {
		st = wrap(db)
	}
	a := &App{store: st, log: slog.New(slog.DiscardHandler), cfg: Config{LostRecords: func(kind string, n int) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.lost[kind] += n
	}}}
	w.rec = &recorder{app: a, inbox: newMailbox()}
	return w
}

func (w *recorderWorld) change(agent ccaas.AgentID, sec int) ccaas.Records {
	return ccaas.Records{StateLog: []ccaas.StateChange{{Tenant: w.tenant, Agent: agent, At: time.Unix(int64(sec), 0).UTC(), From: "ready", To: "not_ready", Cause: "test"}}}
}

func (w *recorderWorld) call(id string) ccaas.Records {
	return ccaas.Records{Calls: []ccaas.CallRecord{w.record(id)}}
}

func (w *recorderWorld) record(id string) ccaas.CallRecord {
	at := time.Unix(100, 0).UTC()
	return ccaas.CallRecord{ID: ccaas.CallID(id), Tenant: w.tenant, Direction: ccaas.DirInbound, Arrived: at, Ended: at.Add(time.Minute), EndReason: ccaas.EndCallerHangup,
		Agents: []ccaas.CallAgent{{Agent: w.agent, Role: ccaas.PartAnswer, Offered: at, Left: at.Add(time.Minute), Outcome: ccaas.EndCallerHangup}}}
}

func (w *recorderWorld) stateRows(t *testing.T) []time.Time {
	t.Helper()
	log, err := w.db.StateLog(context.Background(), w.tenant, w.agent)
	if err != nil {
		t.Fatal(err)
	}
	var at []time.Time
	for _, c := range log {
		at = append(at, c.At)
	}
	return at
}

// TestRecorderWritesAroundARefusedRow: one row the store refuses (a state
// change of an agent it does not know, a call recorded twice) makes its
// batch fail; every other row of the batch is still written, in order, and
// only the refused one is reported lost.
func TestRecorderWritesAroundARefusedRow(t *testing.T) {
	w := newRecorderWorld(t, nil)
	if err := w.db.AppendCallRecords(context.Background(), []ccaas.CallRecord{w.record("c1-dup")}); err != nil {
		t.Fatal(err)
	}
	// a disposition given again replaces the first; one naming another
	// tenant's row is refused
	other, err := w.db.CreateTenant(context.Background(), ccaas.Tenant{Domain: "other.example", Name: "Other"})
	if err != nil {
		t.Fatal(err)
	}
	disposition := func(ten ccaas.TenantID, code string) ccaas.Records {
		return ccaas.Records{Dispositions: []ccaas.Disposition{{Tenant: ten, Call: "c1-a", Agent: w.agent, Code: code, At: time.Unix(100, 0).UTC()}}}
	}
	for _, it := range []ccaas.Records{
		w.change(w.agent, 1), w.change(999, 2), w.change(w.agent, 3),
		w.call("c1-a"), w.call("c1-dup"), w.call("c1-b"),
		disposition(w.tenant, "Sale"), disposition(other.ID, "Forged"), disposition(w.tenant, "Complaint"),
	} {
		w.rec.inbox.post(it)
	}
	w.rec.flush()
	if got := w.stateRows(t); len(got) != 2 || got[0].Unix() != 1 || got[1].Unix() != 3 {
		t.Fatalf("state rows at %v, want 1 and 3", got)
	}
	for _, id := range []ccaas.CallID{"c1-a", "c1-b"} {
		if _, err := w.db.CallRecord(context.Background(), w.tenant, id); err != nil {
			t.Errorf("call %s: %v", id, err)
		}
	}
	if ds, err := w.db.Dispositions(context.Background(), w.tenant, "c1-a"); err != nil || len(ds) != 1 || ds[0].Code != "Complaint" {
		t.Errorf("dispositions = %+v %v, want the last one", ds, err)
	}
	if w.lost[RowStateLog] != 1 || w.lost[RowCallRecord] != 1 || w.lost[RowDisposition] != 1 || len(w.rec.kept) != 0 {
		t.Fatalf("lost %v, kept %d; want one of each lost, none kept", w.lost, len(w.rec.kept))
	}
}

// hangingStore is a disk that hangs: writes wait until their context ends,
// as long as hung is set.
type hangingStore struct {
	ccaas.Store
	mu   sync.Mutex
	hung bool
}

func (s *hangingStore) wait(ctx context.Context) error {
	s.mu.Lock()
	hung := s.hung
	s.mu.Unlock()
	if hung {
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
}

func (s *hangingStore) AppendRecords(ctx context.Context, r ccaas.Records) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.Store.AppendRecords(ctx, r)
}

func (s *hangingStore) set(hung bool) {
	s.mu.Lock()
	s.hung = hung
	s.mu.Unlock()
}

// TestRecorderKeepsRowsThroughAHungDisk: rows the store does not take in
// time are kept, not lost, and written once the disk answers again, before
// the rows that came meanwhile; a disk still hung when the app stops loses
// them, counted.
func TestRecorderKeepsRowsThroughAHungDisk(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &hangingStore{hung: true}
		w := newRecorderWorld(t, func(db ccaas.Store) ccaas.Store { store.Store = db; return store })
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); w.rec.run(ctx) }()

		w.rec.inbox.post(w.change(w.agent, 1))
		time.Sleep(recordWithin + time.Second) // the first write timed out
		synctest.Wait()
		if got := w.stateRows(t); len(got) != 0 || len(w.lost) != 0 {
			t.Fatalf("while hung: rows %v, lost %v", got, w.lost)
		}
		w.rec.inbox.post(w.change(w.agent, 2))
		time.Sleep(recordWithin + time.Second)
		store.set(false)
		time.Sleep(2 * recordRetry)
		synctest.Wait()
		if got := w.stateRows(t); len(got) != 2 || got[0].Unix() != 1 || got[1].Unix() != 2 || len(w.lost) != 0 {
			t.Fatalf("after the disk came back: rows %v, lost %v", got, w.lost)
		}

		store.set(true)
		w.rec.inbox.post(w.change(w.agent, 3))
		time.Sleep(recordWithin + time.Second)
		stop()
		<-done
		w.rec.dropKept()
		if w.lost[RowStateLog] != 1 {
			t.Fatalf("lost %v, want the row still kept at the stop", w.lost)
		}
	})
}

// TestRecorderWakesTheSenderForWebhookEventsOnly: a write wakes the webhook
// sender (Config.OutboxWritten) when it wrote webhook events, and not for
// the state log and call records every call brings.
func TestRecorderWakesTheSenderForWebhookEventsOnly(t *testing.T) {
	w := newRecorderWorld(t, nil)
	var wakes int
	w.rec.app.cfg.OutboxWritten = func() { wakes++ }
	w.rec.inbox.post(w.change(w.agent, 1))
	w.rec.inbox.post(w.call("c2-a"))
	w.rec.flush()
	if wakes != 0 {
		t.Fatalf("woken %d times by rows without webhook events", wakes)
	}
	hook, err := w.db.CreateWebhook(context.Background(), ccaas.Webhook{Tenant: w.tenant, URL: "http://crm.example/hooks",
		Secret: "whsec-recorder-test-0123456789", Events: webhook.Types, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	w.rec.inbox.post(ccaas.Records{Outbox: []ccaas.OutboxEvent{{ID: webhook.NewEventID(), Tenant: w.tenant, Type: webhook.CallEnded,
		Key: "call:c2-b", At: time.Unix(100, 0).UTC(), Body: []byte(`{}`), Webhooks: []ccaas.WebhookID{hook.ID}}}})
	w.rec.flush()
	if wakes != 1 || len(w.rec.kept) != 0 {
		t.Fatalf("woken %d times after a webhook event was written (%d units kept), want once", wakes, len(w.rec.kept))
	}
}

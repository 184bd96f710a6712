package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ccaas/ccaas"
)

// TestPragmasOnEveryConnection: WAL, the busy timeout and foreign keys are
// set on every pooled connection (they are in the DSN), not only the first.
func TestPragmasOnEveryConnection(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	const n = 4
	for i := range n { // hold n connections at once so that they are distinct
		conn, err := db.db.Connx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var mode string
		var busy, fk int
		if err := conn.GetContext(ctx, &mode, "PRAGMA journal_mode"); err != nil {
			t.Fatal(err)
		}
		if err := conn.GetContext(ctx, &busy, "PRAGMA busy_timeout"); err != nil {
			t.Fatal(err)
		}
		if err := conn.GetContext(ctx, &fk, "PRAGMA foreign_keys"); err != nil {
			t.Fatal(err)
		}
		if mode != "wal" || busy != 5000 || fk != 1 {
			t.Fatalf("connection %d: journal_mode %q, busy_timeout %d, foreign_keys %d", i, mode, busy, fk)
		}
	}
}

// TestWritersUnderLoad: the recorder's batches, a second process on the same
// file (an admin command while ccaas serves) and a long read all go on at
// once: writers wait their turn (busy timeout, immediate transactions)
// instead of failing with "database is locked", and nothing is lost.
func TestWritersUnderLoad(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "load.db")
	first := openFile(t, path)
	second := openFile(t, path) // another process's handle
	ten := createTenant(t, first, "load.example", "Load")
	ag := createAgent(t, first, ccaas.Agent{TenantID: ten.ID, Username: "alice", Name: "Alice", Extension: "1001"})

	// a reader keeps a snapshot open the whole time (WAL lets writers on).
	// A plain BEGIN on its own connection: the DSN makes sqlx transactions
	// IMMEDIATE, which would make it a writer.
	reader, err := first.db.Connx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	if _, err := reader.ExecContext(ctx, "BEGIN DEFERRED"); err != nil {
		t.Fatal(err)
	}
	var before int
	if err := reader.GetContext(ctx, &before, "SELECT COUNT(*) FROM agent_state_log"); err != nil {
		t.Fatal(err)
	}

	const writers, batches, rows = 8, 25, 20
	var wg sync.WaitGroup
	errs := make(chan error, writers*batches)
	for w := range writers {
		db := first
		if w%2 == 1 {
			db = second
		}
		wg.Go(func() {
			for b := range batches {
				batch := make([]ccaas.StateChange, rows)
				for i := range batch {
					batch[i] = ccaas.StateChange{Tenant: ten.ID, Agent: ag.ID, At: time.Now(), From: "ready", To: "not_ready",
						Reason: fmt.Sprintf("w%d-b%d-%d", w, b, i), Cause: "load"}
				}
				if err := db.AppendStateLog(ctx, batch); err != nil {
					errs <- fmt.Errorf("writer %d batch %d: %w", w, b, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var during int
	if err := reader.GetContext(ctx, &during, "SELECT COUNT(*) FROM agent_state_log"); err != nil {
		t.Fatal(err)
	}
	if _, err := reader.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if during != before {
		t.Fatalf("the open read saw %d rows, then %d: not a stable snapshot", before, during)
	}
	log, err := second.StateLog(ctx, ten.ID, ag.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := before + writers*batches*rows; len(log) != want {
		t.Fatalf("%d rows, want %d", len(log), want)
	}
}

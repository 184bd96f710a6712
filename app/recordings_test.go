package app_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/ari/asterisksim"
)

// storedRecording makes a stored recording of seconds in the simulator (a
// caller waiting in the queue is recorded, then hangs up) and keeps its
// record, made at created, for the world's tenant.
func (w *world) storedRecording(id ccaas.RecordingID, seconds int, created time.Time) ccaas.Recording {
	w.t.Helper()
	ctx := context.Background()
	cust, err := w.sim.PlaceCall(asterisksim.CallSpec{From: "+4930100", DID: testDID})
	if err != nil {
		w.t.Fatal(err)
	}
	waitUntil(w.t, "the caller waiting", func() bool { _, on := w.sim.MOH(cust); return on })
	if _, err := w.ari.RecordChannel(ctx, cust, ari.RecordRequest{Name: string(id), Format: "wav", MaxDurationSeconds: seconds}); err != nil {
		w.t.Fatal(err)
	}
	waitUntil(w.t, "the recording stored", func() bool { _, _, ok := w.sim.StoredFile(string(id)); return ok })
	w.sim.Hangup(cust)
	rec := ccaas.Recording{ID: id, Tenant: w.tenant.ID, Kind: ccaas.RecordingVoicemail, Format: "wav", Seconds: seconds, Created: created}
	if err := w.db.AddRecording(ctx, rec); err != nil {
		w.t.Fatal(err)
	}
	return rec
}

// TestRecordingFileAccess: a supervisor of the tenant hears its recording,
// fetched from Asterisk; an agent without it as a task, a session of
// another tenant, an id of nothing and a recording whose file is gone get
// ErrNoSuchRecording.
func TestRecordingFileAccess(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{team: "Support", others: []ccaas.Agent{{Username: "carol", Name: "Carol", Extension: "1050", Role: ccaas.RoleSupervisor, Team: "Support"}}})
		ctx := context.Background()
		w.storedRecording("rc1-00000000000000a1", 2, time.Now())
		sup, _ := w.login("carol")
		rec, f, err := w.app.RecordingFile(ctx, sup, "rc1-00000000000000a1")
		if err != nil {
			t.Fatal(err)
		}
		data, _, _ := w.sim.StoredFile("rc1-00000000000000a1")
		if rec.Seconds != 2 || f.ContentType != "audio/wav" || string(f.Data) != string(data) {
			t.Errorf("recording %+v, file %q of %d bytes", rec, f.ContentType, len(f.Data))
		}

		alice, _ := w.login("alice")
		stranger := &app.Session{ID: "x", Tenant: w.tenant.ID + 1, Agent: ccaas.Agent{Role: ccaas.RoleAdmin}}
		for _, tc := range []struct {
			name string
			s    *app.Session
			id   ccaas.RecordingID
		}{
			{"an agent who does not handle it", alice, "rc1-00000000000000a1"},
			{"another tenant's session", stranger, "rc1-00000000000000a1"},
			{"an id of nothing", sup, "rc1-00000000000000a2"},
			{"an id far too long", sup, ccaas.RecordingID(make([]byte, 100))},
		} {
			if _, _, err := w.app.RecordingFile(ctx, tc.s, tc.id); !errors.Is(err, app.ErrNoSuchRecording) {
				t.Errorf("%s: %v, want ErrNoSuchRecording", tc.name, err)
			}
		}
		if err := w.ari.DeleteStoredRecording(ctx, "rc1-00000000000000a1"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.app.RecordingFile(ctx, sup, "rc1-00000000000000a1"); !errors.Is(err, app.ErrNoSuchRecording) {
			t.Errorf("a recording Asterisk lost: %v, want ErrNoSuchRecording", err)
		}
	})
}

// TestRecordingRetention: the sweep deletes what is older than the tenant's
// retention, in Asterisk and in the store, and keeps the rest; a file
// Asterisk could not delete keeps its record, and the next sweep deletes
// both.
func TestRecordingRetention(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		ctx := context.Background()
		if err := w.db.SetSettings(ctx, w.tenant.ID, ccaas.Settings{NotifyIncoming: true, Trunk: "pstn", RecordingRetentionDays: 10}); err != nil {
			t.Fatal(err)
		}
		day := 24 * time.Hour
		w.storedRecording("rc1-00000000000000b1", 1, time.Now().Add(-11*day))
		w.storedRecording("rc1-00000000000000b2", 1, time.Now().Add(-12*day))
		w.storedRecording("rc1-00000000000000b3", 1, time.Now().Add(-9*day))
		fault := w.sim.Inject(asterisksim.Fault{Method: "DELETE", Path: "/recordings/stored/rc1-00000000000000b1", Status: 500})
		if n := w.app.SweepRecordings(ctx); n != 1 {
			t.Errorf("first sweep deleted %d, want 1 (b2; b1's delete failed)", n)
		}
		if fault.Hits() != 1 {
			t.Fatalf("the fault was hit %d times", fault.Hits())
		}
		have := func(id ccaas.RecordingID) (file, row bool) {
			_, _, file = w.sim.StoredFile(string(id))
			_, err := w.db.Recording(ctx, w.tenant.ID, id)
			return file, err == nil
		}
		for id, want := range map[ccaas.RecordingID]bool{"rc1-00000000000000b1": true, "rc1-00000000000000b2": false, "rc1-00000000000000b3": true} {
			if file, row := have(id); file != want || row != want {
				t.Errorf("%s after the first sweep: file %v, record %v; want %v", id, file, row, want)
			}
		}
		if n := w.app.SweepRecordings(ctx); n != 1 {
			t.Errorf("second sweep deleted %d, want 1 (b1)", n)
		}
		if file, row := have("rc1-00000000000000b1"); file || row {
			t.Errorf("b1 after the second sweep: file %v, record %v", file, row)
		}
		if file, row := have("rc1-00000000000000b3"); !file || !row {
			t.Errorf("b3, within the retention, was deleted: file %v, record %v", file, row)
		}
	})
}

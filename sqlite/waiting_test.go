package sqlite

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ccaas/ccaas"
)

// TestWaitingRulesRoundTrip: a queue's opening hours, closed action,
// estimate, callback and voicemail settings are kept as given; a queue
// created without them gets the defaults.
func TestWaitingRulesRoundTrip(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	ten := createTenant(t, db, "acme.example", "Acme")
	if err := db.SetSettings(ctx, ten.ID, ccaas.Settings{TimeZone: "Europe/Berlin"}); err != nil {
		t.Fatal(err)
	}
	rules := ccaas.WaitingRules{Hours: "mon-fri 08:00-18:00", HoursExceptions: "2026-12-25 closed", ClosedAction: ccaas.OverflowVoicemail,
		AnnounceEstimate: true, CallbackAfterSeconds: 60, CallbackAboveSeconds: 300, CallbackAttempts: 5, CallbackRetrySeconds: 120,
		VoicemailKey: true, VoicemailMaxSeconds: 90}
	if _, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Support", RingSeconds: 20, WaitingRules: rules}); err != nil {
		t.Fatal(err)
	}
	plain, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Sales", RingSeconds: 20})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := db.TenantConfig(ctx, ten.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Settings.TimeZone != "Europe/Berlin" {
		t.Errorf("time zone %q", cfg.Settings.TimeZone)
	}
	if got := cfg.Queues[0].WaitingRules; got != rules {
		t.Errorf("rules %+v, want %+v", got, rules)
	}
	want := ccaas.WaitingRules{ClosedAction: ccaas.OverflowHangup, CallbackAttempts: ccaas.DefaultCallbackAttempts,
		CallbackRetrySeconds: ccaas.DefaultCallbackRetrySeconds, VoicemailMaxSeconds: ccaas.DefaultVoicemailMaxSeconds}
	if got := cfg.Queues[1].WaitingRules; got != want {
		t.Errorf("defaults %+v, want %+v", got, want)
	}
	plain.WaitingRules = ccaas.WaitingRules{Hours: "sat closed", ClosedAction: ccaas.OverflowQueue, ClosedTarget: "1"}
	if err := db.UpdateQueue(ctx, plain); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.QueueByName(ctx, ten.ID, "Sales"); got.Hours != "sat closed" || got.ClosedTarget != "1" || got.CallbackAttempts != 3 {
		t.Errorf("updated %+v", got.WaitingRules)
	}
}

// TestCallbacks: a callback round-trips; its progress is written; the
// waiting ones come back oldest first; another tenant's cannot be changed
// or seen.
func TestCallbacks(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	one, two := twoTenants(t, db)
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	cb := func(id string, tenant ccaas.TenantID, arrived time.Time) ccaas.Callback {
		c := ccaas.Callback{ID: ccaas.CallbackID(id), Tenant: tenant, Queue: 7, QueueName: "Support", Call: "c1-0000000000000001",
			Number: "+4930123", Name: "José <b>M</b>", Data: []ccaas.DataItem{{Key: "Account", Value: `"ACC-1" & <x>`}},
			Arrived: arrived, Requested: arrived.Add(time.Minute), State: ccaas.CallbackWaiting}
		if err := db.CreateCallback(ctx, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	later := cb("c1-00000000000000b2", one.ID, at.Add(time.Minute))
	first := cb("c1-00000000000000b1", one.ID, at)
	cb("c2-00000000000000b3", two.ID, at)
	if err := db.CreateCallback(ctx, first); !errors.Is(err, ccaas.ErrDuplicate) {
		t.Errorf("the same id again: %v", err)
	}
	open, err := db.OpenCallbacks(ctx, one.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 2 || !reflect.DeepEqual(open[0], first) || open[1].ID != later.ID {
		t.Fatalf("open %+v\nwant %+v first", open, first)
	}

	later.State, later.Attempts, later.NextAt, later.FirstDialled, later.Agent = ccaas.CallbackWaiting, 1, at.Add(10*time.Minute), at.Add(5*time.Minute), 3
	if err := db.UpdateCallback(ctx, later); err != nil {
		t.Fatal(err)
	}
	first.State, first.Reached, first.Ended = ccaas.CallbackReached, at.Add(2*time.Minute), at.Add(9*time.Minute)
	if err := db.UpdateCallback(ctx, first); err != nil {
		t.Fatal(err)
	}
	stranger := first
	stranger.Tenant = two.ID
	if err := db.UpdateCallback(ctx, stranger); !errors.Is(err, ccaas.ErrNotFound) {
		t.Errorf("another tenant's callback: %v", err)
	}
	open, _ = db.OpenCallbacks(ctx, one.ID)
	if len(open) != 1 || !reflect.DeepEqual(open[0], later) {
		t.Fatalf("open after updates %+v\nwant %+v", open, later)
	}
	all, err := db.Callbacks(ctx, one.ID, at, at.Add(time.Hour))
	if err != nil || len(all) != 2 || all[0].ID != first.ID || !all[0].Reached.Equal(first.Reached) {
		t.Fatalf("report's callbacks %+v %v", all, err)
	}
}

// TestVoicemails: a voicemail and its recording are kept together (a
// recording id taken keeps neither); the open ones come back; closing and
// the retention's deletion of its recording end them.
func TestVoicemails(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	one, two := twoTenants(t, db)
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	vm := func(id, rec string, tenant ccaas.TenantID) (ccaas.Voicemail, error) {
		v := ccaas.Voicemail{ID: ccaas.VoicemailID(id), Tenant: tenant, Queue: 7, QueueName: "Support", Call: "c1-0000000000000001",
			Number: "+4930123", Data: []ccaas.DataItem{}, Arrived: at, Left: at.Add(time.Minute), Recording: ccaas.RecordingID(rec),
			Seconds: 12, State: ccaas.VoicemailNew}
		return v, db.CreateVoicemail(ctx, v, ccaas.Recording{ID: ccaas.RecordingID(rec), Tenant: tenant, Kind: ccaas.RecordingVoicemail,
			Call: v.Call, Format: "wav", Seconds: 12, Created: v.Left})
	}
	a, err := vm("vm1-00000000000000a1", "rc1-00000000000000a1", one.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := vm("vm1-00000000000000a2", "rc1-00000000000000a2", one.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vm("vm1-00000000000000a3", "rc1-00000000000000a1", one.ID); !errors.Is(err, ccaas.ErrDuplicate) {
		t.Fatalf("a recording id taken: %v", err)
	}
	if _, err := vm("vm2-00000000000000a4", "rc2-00000000000000a4", two.ID); err != nil {
		t.Fatal(err)
	}
	open, err := db.OpenVoicemails(ctx, one.ID)
	if err != nil || len(open) != 2 || !reflect.DeepEqual(open[0], a) {
		t.Fatalf("open %+v %v\nwant %+v first (and not the refused one)", open, err, a)
	}
	a.State, a.Agent, a.Closed = ccaas.VoicemailClosed, 5, at.Add(time.Hour)
	if err := db.UpdateVoicemail(ctx, a); err != nil {
		t.Fatal(err)
	}
	b.Tenant = two.ID
	if err := db.UpdateVoicemail(ctx, b); !errors.Is(err, ccaas.ErrNotFound) {
		t.Errorf("another tenant's voicemail: %v", err)
	}
	if err := db.DeleteRecordings(ctx, one.ID, []ccaas.RecordingID{"rc1-00000000000000a1", "rc1-00000000000000a2"}); err != nil {
		t.Fatal(err)
	}
	all, err := db.Voicemails(ctx, one.ID, at, at.Add(2*time.Hour))
	if err != nil || len(all) != 2 {
		t.Fatalf("report's voicemails %+v %v", all, err)
	}
	if all[0].State != ccaas.VoicemailClosed || all[0].Recording != "" || all[1].State != ccaas.VoicemailExpired || all[1].Recording != "" {
		t.Errorf("after the retention: %+v, %+v", all[0], all[1])
	}
	if open, _ := db.OpenVoicemails(ctx, one.ID); len(open) != 0 {
		t.Errorf("still open: %+v", open)
	}
}

// TestCallEstimateRoundTrip: the estimate at entry is kept, and "none" is
// told from 0.
func TestCallEstimateRoundTrip(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	ten := createTenant(t, db, "acme.example", "Acme")
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	calls := []ccaas.CallRecord{
		{ID: "c1-00000000000000e1", Tenant: ten.ID, Direction: ccaas.DirInbound, Arrived: at, Ended: at.Add(time.Minute), EndReason: "caller_hangup", Estimate: 90 * time.Second, Estimated: true,
			Recording: "rec-e1"},
		{ID: "c1-00000000000000e2", Tenant: ten.ID, Direction: ccaas.DirInbound, Arrived: at, Ended: at.Add(time.Minute), EndReason: "caller_hangup", Estimated: true},
		{ID: "c1-00000000000000e3", Tenant: ten.ID, Direction: ccaas.DirInbound, Arrived: at, Ended: at.Add(time.Minute), EndReason: "caller_hangup"},
	}
	if err := db.AppendCallRecords(ctx, calls); err != nil {
		t.Fatal(err)
	}
	for _, want := range calls {
		got, err := db.CallRecord(ctx, ten.ID, want.ID)
		if err != nil || got.Estimate != want.Estimate || got.Estimated != want.Estimated {
			t.Errorf("%s: %v %v %v, want %v %v", want.ID, got.Estimate, got.Estimated, err, want.Estimate, want.Estimated)
		}
	}
	// the recorded calls' list reads the same columns
	recorded, err := db.CallRecordings(ctx, ten.ID, at, at.Add(time.Hour))
	if err != nil || len(recorded) != 1 || recorded[0].Call.Estimate != calls[0].Estimate || !recorded[0].Call.Estimated {
		t.Errorf("recorded calls: %+v, %v; want %s with its estimate %v", recorded, err, calls[0].ID, calls[0].Estimate)
	}
}

// TestWaitingQueriesUseIndexes: loading the open callbacks and voicemails
// and the reports' reads search an index.
func TestWaitingQueriesUseIndexes(t *testing.T) {
	db := openTest(t)
	for q, index := range map[string]string{
		`SELECT ` + callbackColumns + ` FROM callbacks WHERE tenant_id = 1 AND state = 'waiting' ORDER BY arrived_at, id`: "callbacks_open",
		`SELECT ` + voicemailColumns + ` FROM voicemails WHERE tenant_id = 1 AND state = 'new' ORDER BY arrived_at, id`:   "voicemails_open",
		strings.NewReplacer(":tenant", "1", ":from", "'a'", ":to", "'b'").Replace(reportCallbacksQuery):                   "callbacks_requested",
		strings.NewReplacer(":tenant", "1", ":from", "'a'", ":to", "'b'").Replace(reportVoicemailsQuery):                  "voicemails_left",
	} {
		if text := strings.Join(queryPlan(t, db, q), "\n"); !strings.Contains(text, "SEARCH") || !strings.Contains(text, index) {
			t.Errorf("plan of %s:\n%s", index, text)
		}
	}
}

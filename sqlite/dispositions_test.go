package sqlite

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/ccaas/ccaas"
)

func TestWrapupCodesRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	t1, t2 := twoTenants(t, db)
	q, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: t1.ID, Name: "Sales", RingSeconds: 20, MOHClass: "default",
		WrapupCodes: []string{"Sale", "No sale", "<b>Wrong</b> number"}, CodeRequired: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: t2.ID, Name: "Sales", RingSeconds: 20, MOHClass: "default", WrapupCodes: []string{"Other"}}); err != nil {
		t.Fatal(err)
	}
	cfg, err := db.TenantConfig(ctx, t1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Queues[0]; !slices.Equal(got.WrapupCodes, []string{"Sale", "No sale", "<b>Wrong</b> number"}) || !got.CodeRequired {
		t.Fatalf("codes read back: %q required %v", got.WrapupCodes, got.CodeRequired)
	}

	q.WrapupCodes, q.CodeRequired = []string{"Complaint", "Sale"}, false
	if err := db.UpdateQueue(ctx, q); err != nil {
		t.Fatal(err)
	}
	cfg, _ = db.TenantConfig(ctx, t1.ID)
	if got := cfg.Queues[0]; !slices.Equal(got.WrapupCodes, []string{"Complaint", "Sale"}) || got.CodeRequired {
		t.Fatalf("codes after an update: %q required %v", got.WrapupCodes, got.CodeRequired)
	}
	if other, _ := db.TenantConfig(ctx, t2.ID); !slices.Equal(other.Queues[0].WrapupCodes, []string{"Other"}) {
		t.Fatalf("the other tenant's codes changed: %q", other.Queues[0].WrapupCodes)
	}

	q.WrapupCodes = []string{"Sale", "Sale"}
	var dup *ccaas.DuplicateError
	if err := db.UpdateQueue(ctx, q); !errors.As(err, &dup) || dup.Field != "wrapup code" {
		t.Fatalf("a code twice: %v", err)
	}
	q.WrapupCodes = make([]string, ccaas.MaxWrapupCodes+1)
	for i := range q.WrapupCodes {
		q.WrapupCodes[i] = fmt.Sprint("code ", i)
	}
	if err := db.UpdateQueue(ctx, q); err == nil {
		t.Fatal("51 codes accepted")
	}
	cfg, _ = db.TenantConfig(ctx, t1.ID)
	if got := cfg.Queues[0].WrapupCodes; !slices.Equal(got, []string{"Complaint", "Sale"}) {
		t.Fatalf("a refused update changed the codes: %q", got)
	}
	q.WrapupCodes = q.WrapupCodes[:ccaas.MaxWrapupCodes]
	if err := db.UpdateQueue(ctx, q); err != nil {
		t.Fatalf("50 codes: %v", err)
	}
	if err := db.DeleteQueue(ctx, t1.ID, q.ID); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := db.db.Get(&left, `SELECT COUNT(*) FROM queue_wrapup_codes WHERE queue_id = ?`, q.ID); err != nil || left != 0 {
		t.Fatalf("a deleted queue's codes stay: %d %v", left, err)
	}
}

func TestEndWrapupEarlySetting(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	t1, t2 := twoTenants(t, db)
	if cfg, _ := db.TenantConfig(ctx, t1.ID); cfg.Settings.EndWrapupEarly {
		t.Fatal("a new tenant lets agents end wrapup early")
	}
	if err := db.SetSettings(ctx, t1.ID, ccaas.Settings{NotifyIncoming: true, EndWrapupEarly: true}); err != nil {
		t.Fatal(err)
	}
	if cfg, _ := db.TenantConfig(ctx, t1.ID); !cfg.Settings.EndWrapupEarly || !cfg.Settings.NotifyIncoming {
		t.Fatalf("settings read back: %+v", cfg.Settings)
	}
	if cfg, _ := db.TenantConfig(ctx, t2.ID); cfg.Settings.EndWrapupEarly {
		t.Fatal("the other tenant's setting changed")
	}
}

func TestDispositions(t *testing.T) {
	ctx := context.Background()
	w := newReportWorld(t)
	at := w.at("2026-03-09 10:00:00.000")
	give := func(ds ...ccaas.Disposition) error { return w.db.SetDispositions(ctx, ds) }
	d := func(ten ccaas.TenantID, call string, ag ccaas.AgentID, code, note string, at time.Time) ccaas.Disposition {
		return ccaas.Disposition{Tenant: ten, Call: ccaas.CallID(call), Agent: ag, Queue: 5, Code: code, Note: note, At: at}
	}
	// given during the call: before its record exists
	if err := give(d(w.t1.ID, "c1", w.a1.ID, "Sale", "", at)); err != nil {
		t.Fatal(err)
	}
	// changed in wrapup, and the other agent's own
	note := "Wants the yearly plan.\nCall back Monday <b>9:00</b>."
	if err := give(d(w.t1.ID, "c1", w.a1.ID, "Complaint", note, at.Add(time.Minute)), d(w.t1.ID, "c1", w.a1b.ID, "", "only a note", at)); err != nil {
		t.Fatal(err)
	}
	// another tenant cannot overwrite it, even naming the same call and agent
	if err := give(d(w.t2.ID, "c1", w.a1.ID, "Forged", "", at)); !errors.Is(err, ccaas.ErrNotFound) {
		t.Fatalf("another tenant's row over tenant 1's: %v", err)
	}
	a := at.Add(-time.Minute)
	if err := w.db.AppendCallRecords(ctx, []ccaas.CallRecord{
		{ID: "c1", Tenant: w.t1.ID, Direction: "inbound", Queue: 5, QueueName: "Sales", Number: "+4930", Arrived: a, Answered: a.Add(time.Second), Ended: at.Add(30 * time.Second), EndReason: "caller_hangup",
			Agents: []ccaas.CallAgent{{Agent: w.a1.ID, Role: "answer", Offered: a, Joined: a.Add(time.Second), Left: at.Add(30 * time.Second), Outcome: "transferred"},
				{Agent: w.a1b.ID, Role: "consult", Offered: at, Joined: at, Left: at.Add(30 * time.Second), Outcome: "caller_hangup"}}},
	}); err != nil {
		t.Fatal(err)
	}
	want := []ccaas.Disposition{
		{Tenant: w.t1.ID, Call: "c1", Agent: w.a1.ID, Queue: 5, Code: "Complaint", Note: note, At: at.Add(time.Minute).UTC()},
		{Tenant: w.t1.ID, Call: "c1", Agent: w.a1b.ID, Queue: 5, Note: "only a note", At: at.UTC()},
	}
	if got, err := w.db.Dispositions(ctx, w.t1.ID, "c1"); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("dispositions:\n got %+v %v\nwant %+v", got, err, want)
	}
	if got, err := w.db.Dispositions(ctx, w.t2.ID, "c1"); err != nil || len(got) != 0 {
		t.Fatalf("another tenant reads %+v %v", got, err)
	}
	if r, err := w.db.CallRecord(ctx, w.t1.ID, "c1"); err != nil || !reflect.DeepEqual(r.Dispositions, want) {
		t.Fatalf("the call's record: %+v %v", r.Dispositions, err)
	}
	if rs, err := w.db.CallRecords(ctx, w.t1.ID, w.from, w.to); err != nil || len(rs) != 1 || !reflect.DeepEqual(rs[0].Dispositions, want) {
		t.Fatalf("the report's records: %+v %v", rs, err)
	}
	recent, err := w.db.RecentCalls(ctx, w.t1.ID, w.a1.ID, 20)
	if err != nil || len(recent) != 1 || recent[0].Code != "Complaint" || recent[0].Note != note {
		t.Fatalf("sam's recent calls: %+v %v", recent, err)
	}
	if recent, _ := w.db.RecentCalls(ctx, w.t1.ID, w.a1b.ID, 20); len(recent) != 1 || recent[0].Code != "" || recent[0].Note != "only a note" {
		t.Fatalf("kim's recent calls: %+v", recent)
	}
}

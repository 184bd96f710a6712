package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/sqlite"
)

// The team view's figures after a restart start from the day's records:
// yesterday's calls and other tenants' calls do not count.
func TestTodayFigures(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ten, _ := db.CreateTenant(ctx, ccaas.Tenant{Domain: "acme.example", Name: "Acme"})
	other, _ := db.CreateTenant(ctx, ccaas.Tenant{Domain: "other.example", Name: "Other"})
	ag, _ := db.CreateAgent(ctx, ccaas.Agent{TenantID: ten.ID, Username: "sam", Name: "Sam", Extension: "1001", PasswordHash: "x"})
	db.AssignDIDs(ctx, ten.ID, "5550001")
	db.AssignDIDs(ctx, other.ID, "5550002")
	q, _ := db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Support", RingSeconds: 20, ServiceLevelSeconds: 20, DIDs: []string{"5550001"}})
	oq, _ := db.CreateQueue(ctx, ccaas.Queue{TenantID: other.ID, Name: "Other", RingSeconds: 20, DIDs: []string{"5550002"}})

	now := time.Date(2026, 11, 24, 15, 0, 0, 0, time.Local)
	at := func(h, m, s int) time.Time { return time.Date(2026, 11, 24, h, m, s, 0, time.Local) }
	answered := func(id string, arrived time.Time, wait, talk, hold time.Duration) ccaas.CallRecord {
		return ccaas.CallRecord{ID: ccaas.CallID(id), Tenant: ten.ID, Direction: "inbound", Queue: q.ID, QueueName: "Support",
			Arrived: arrived, Answered: arrived.Add(wait), Ended: arrived.Add(wait + talk + hold), Wait: wait, Talk: talk, Hold: hold,
			EndReason: "caller_hangup", Agents: []ccaas.CallAgent{{Agent: ag.ID, Role: "answer", Offered: arrived.Add(wait - time.Second), Joined: arrived.Add(wait), Left: arrived.Add(wait + talk + hold)}}}
	}
	calls := []ccaas.CallRecord{
		answered("c1", at(9, 0, 0), 10*time.Second, 100*time.Second, 20*time.Second), // in service level
		answered("c2", at(10, 0, 0), 40*time.Second, 60*time.Second, 0),              // answered late
		{ID: "c3", Tenant: ten.ID, Direction: "inbound", Queue: q.ID, QueueName: "Support", Arrived: at(11, 0, 0),
			Ended: at(11, 0, 30), Wait: 30 * time.Second, EndReason: "caller_hangup"}, // abandoned
		answered("c0", at(9, 0, 0).AddDate(0, 0, -1), time.Second, time.Minute, 0), // yesterday
		{ID: "o1", Tenant: other.ID, Direction: "inbound", Queue: oq.ID, QueueName: "Other", Arrived: at(9, 30, 0),
			Ended: at(9, 31, 0), Wait: time.Minute, EndReason: "caller_hangup"}, // another tenant
	}
	if err := db.AppendCallRecords(ctx, calls); err != nil {
		t.Fatal(err)
	}
	// Sam's 15 s of wrapup after c1
	if err := db.AppendStateLog(ctx, []ccaas.StateChange{
		{Tenant: ten.ID, Agent: ag.ID, At: at(9, 2, 10), From: "talking", To: "wrapup", Call: "c1"},
		{Tenant: ten.ID, Agent: ag.ID, At: at(9, 2, 25), From: "wrapup", To: "ready", Call: "c1"},
	}); err != nil {
		t.Fatal(err)
	}
	day, figures, err := todayFigures(ctx, db, now)
	if err != nil {
		t.Fatal(err)
	}
	// offered 3, answered 2, abandoned 1, in service level 1 (c1: 10 s ≤ 20 s);
	// handled = talk 100 + 60, hold 20, wrapup 15 = 195 s
	want := app.DayFigures{Offered: 3, Answered: 2, Abandoned: 1, InServiceLevel: 1, Handled: 195 * time.Second}
	if day != "2026-11-24" || figures[ten.ID][q.ID] != want {
		t.Fatalf("day %s, figures %+v, want %+v", day, figures[ten.ID][q.ID], want)
	}
	if got := figures[other.ID][oq.ID]; got != (app.DayFigures{Offered: 1, Abandoned: 1}) {
		t.Fatalf("other tenant %+v", got)
	}
}

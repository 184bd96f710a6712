package sqlite

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ccaas/ccaas"
)

func outboxEvent(tenant ccaas.TenantID, id, key string, at time.Time, hooks ...ccaas.WebhookID) ccaas.OutboxEvent {
	return ccaas.OutboxEvent{ID: id, Tenant: tenant, Type: "call.queued", Key: key, At: at, Body: []byte(`{"id":"` + id + `"}`), Webhooks: hooks}
}

// TestWebhookRoundTripAndIsolation: a tenant's webhooks come back as saved
// (the secret kept when an update leaves it empty, and never in the tenant
// configuration the app loads); another tenant's id is not found for every
// operation, and an outbox event naming another tenant's webhook makes no
// delivery.
func TestWebhookRoundTripAndIsolation(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	t1, _ := db.CreateTenant(ctx, ccaas.Tenant{Domain: "one.example", Name: "One"})
	t2, _ := db.CreateTenant(ctx, ccaas.Tenant{Domain: "two.example", Name: "Two"})
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	h1, err := db.CreateWebhook(ctx, ccaas.Webhook{Tenant: t1.ID, URL: "https://a.example/h", Secret: "secret-one-0123456789", Events: []string{"call.queued", "call.ended"}, Active: true, Created: at})
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := db.CreateWebhook(ctx, ccaas.Webhook{Tenant: t2.ID, URL: "https://b.example/h", Secret: "secret-two-0123456789", Events: []string{"call.queued"}, Active: true})
	if err := db.UpdateWebhook(ctx, ccaas.Webhook{ID: h1.ID, Tenant: t1.ID, URL: "https://a.example/h2", Events: []string{"call.ended"}, Active: false}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Webhook(ctx, t1.ID, h1.ID)
	if err != nil || got.URL != "https://a.example/h2" || got.Secret != "secret-one-0123456789" || got.Active || strings.Join(got.Events, ",") != "call.ended" || !got.Created.Equal(at) {
		t.Fatalf("webhook = %+v, %v", got, err)
	}
	cfg, err := db.TenantConfig(ctx, t1.ID)
	if err != nil || len(cfg.Webhooks) != 1 || cfg.Webhooks[0].ID != h1.ID || cfg.Webhooks[0].Secret != "" {
		t.Fatalf("tenant config webhooks %+v, %v", cfg.Webhooks, err)
	}
	// another tenant's webhook
	if _, err := db.Webhook(ctx, t1.ID, h2.ID); !errors.Is(err, ccaas.ErrNotFound) {
		t.Fatalf("Webhook of another tenant: %v", err)
	}
	if err := db.UpdateWebhook(ctx, ccaas.Webhook{ID: h2.ID, Tenant: t1.ID, URL: "https://evil.example/"}); !errors.Is(err, ccaas.ErrNotFound) {
		t.Fatalf("UpdateWebhook of another tenant: %v", err)
	}
	if err := db.DeleteWebhook(ctx, t1.ID, h2.ID); !errors.Is(err, ccaas.ErrNotFound) {
		t.Fatalf("DeleteWebhook of another tenant: %v", err)
	}
	if err := db.AppendRecords(ctx, ccaas.Records{Outbox: []ccaas.OutboxEvent{outboxEvent(t1.ID, "evt_x", "call:x", at, h2.ID)}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		tenant ccaas.TenantID
		hook   ccaas.WebhookID
	}{{t1.ID, h2.ID}, {t2.ID, h2.ID}, {t2.ID, h1.ID}} {
		if ds, err := db.RecentDeliveries(ctx, tc.tenant, tc.hook, 10); err != nil || len(ds) != 0 {
			t.Fatalf("deliveries of tenant %d webhook %d: %+v, %v", tc.tenant, tc.hook, ds, err)
		}
	}
	if err := db.DeleteWebhook(ctx, t1.ID, h1.ID); err != nil {
		t.Fatal(err)
	}
	if hs, _ := db.Webhooks(ctx, t2.ID); len(hs) != 1 || hs[0].ID != h2.ID {
		t.Fatalf("tenant two's webhooks after tenant one deleted its own: %+v", hs)
	}
}

// TestOutboxWithTheFacts: the outbox rows are written in the transaction
// of the facts they report: a batch the store refuses (a call recorded
// twice) leaves no delivery either.
func TestOutboxWithTheFacts(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	ten, _ := db.CreateTenant(ctx, ccaas.Tenant{Domain: "one.example", Name: "One"})
	h, _ := db.CreateWebhook(ctx, ccaas.Webhook{Tenant: ten.ID, URL: "https://a.example/h", Secret: "secret-one-0123456789", Events: []string{"call.ended"}, Active: true})
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	call := ccaas.CallRecord{ID: "c1", Tenant: ten.ID, Direction: ccaas.DirInbound, Arrived: at, Ended: at, EndReason: ccaas.EndCallerHangup}
	if err := db.AppendRecords(ctx, ccaas.Records{Calls: []ccaas.CallRecord{call}, Outbox: []ccaas.OutboxEvent{outboxEvent(ten.ID, "evt_1", "call:c1", at, h.ID)}}); err != nil {
		t.Fatal(err)
	}
	if err := db.AppendRecords(ctx, ccaas.Records{Calls: []ccaas.CallRecord{call}, Outbox: []ccaas.OutboxEvent{outboxEvent(ten.ID, "evt_2", "call:c1", at, h.ID)}}); err == nil {
		t.Fatal("a call recorded twice was taken")
	}
	ds, _ := db.RecentDeliveries(ctx, ten.ID, h.ID, 10)
	if len(ds) != 1 || ds[0].EventID != "evt_1" {
		t.Fatalf("deliveries %+v, want evt_1 alone", ds)
	}
}

// TestOutboxOrderPerKey: of a webhook's deliveries of one key only the
// oldest pending one is due; when it is done (delivered, or failed for
// good) the next becomes due; a retry keeps the line waiting; other keys
// and other webhooks go their own way.
func TestOutboxOrderPerKey(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	ten, _ := db.CreateTenant(ctx, ccaas.Tenant{Domain: "one.example", Name: "One"})
	h1, _ := db.CreateWebhook(ctx, ccaas.Webhook{Tenant: ten.ID, URL: "https://a.example/h", Secret: "secret-one-0123456789", Active: true})
	h2, _ := db.CreateWebhook(ctx, ccaas.Webhook{Tenant: ten.ID, URL: "https://b.example/h", Secret: "secret-two-0123456789", Active: true})
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	if err := db.AppendRecords(ctx, ccaas.Records{Outbox: []ccaas.OutboxEvent{
		outboxEvent(ten.ID, "a1", "call:a", at, h1.ID, h2.ID),
		outboxEvent(ten.ID, "a2", "call:a", at, h1.ID, h2.ID),
		outboxEvent(ten.ID, "b1", "call:b", at, h1.ID),
	}}); err != nil {
		t.Fatal(err)
	}
	if err := db.AppendRecords(ctx, ccaas.Records{Outbox: []ccaas.OutboxEvent{outboxEvent(ten.ID, "a3", "call:a", at, h1.ID)}}); err != nil {
		t.Fatal(err)
	}
	due := func(now time.Time) string {
		t.Helper()
		ds, err := db.DueDeliveries(ctx, now, 100)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, d := range ds {
			out = append(out, d.EventID+"/"+strings.TrimPrefix(d.URL, "https://")[:1])
		}
		return strings.Join(out, " ")
	}
	find := func(hook ccaas.WebhookID, id string) ccaas.Delivery {
		ds, _ := db.RecentDeliveries(ctx, ten.ID, hook, 100)
		for _, d := range ds {
			if d.EventID == id {
				return d
			}
		}
		t.Fatalf("no delivery %s", id)
		return ccaas.Delivery{}
	}
	if got := due(at); got != "a1/a a1/b b1/a" {
		t.Fatalf("due at first: %s", got)
	}
	if got := due(at.Add(-time.Second)); got != "" {
		t.Fatalf("due before the events: %s", got)
	}
	// a1 to a: retried in 5 s; the line of call:a waits
	a1 := find(h1.ID, "a1")
	if err := db.FinishAttempt(ctx, ccaas.Attempt{Delivery: a1.ID, Webhook: h1.ID, Key: "call:a", At: at, Status: 500, Error: "HTTP 500",
		State: ccaas.DeliveryPending, NextAt: at.Add(5 * time.Second), Attempted: true}); err != nil {
		t.Fatal(err)
	}
	if got := due(at); got != "a1/b b1/a" {
		t.Fatalf("due after a retry is planned: %s", got)
	}
	if got := due(at.Add(5 * time.Second)); got != "a1/b b1/a a1/a" {
		t.Fatalf("due at the retry: %s", got)
	}
	if err := db.FinishAttempt(ctx, ccaas.Attempt{Delivery: a1.ID, Webhook: h1.ID, Key: "call:a", At: at.Add(5 * time.Second), Status: 200,
		State: ccaas.DeliveryDelivered, Attempted: true}); err != nil {
		t.Fatal(err)
	}
	if got := due(at.Add(5 * time.Second)); got != "a1/b b1/a a2/a" {
		t.Fatalf("due after a1 was delivered: %s", got)
	}
	if d := find(h1.ID, "a1"); d.Attempts != 2 || d.Status != 200 || d.Error != "" || d.State != ccaas.DeliveryDelivered {
		t.Fatalf("a1 after two attempts: %+v", d)
	}
	// an attempt kept twice (two senders) is refused the second time
	if err := db.FinishAttempt(ctx, ccaas.Attempt{Delivery: a1.ID, Webhook: h1.ID, Key: "call:a", State: ccaas.DeliveryDelivered}); !errors.Is(err, ccaas.ErrNotFound) {
		t.Fatalf("a done delivery finished again: %v", err)
	}
	// in a sender's batch the same is left out, the others kept
	if err := db.FinishAttempts(ctx, []ccaas.Attempt{{Delivery: a1.ID, Webhook: h1.ID, Key: "call:a", State: ccaas.DeliveryDelivered}}); err != nil {
		t.Fatalf("a batch with a done delivery: %v", err)
	}
	// given up without a request: a3 becomes due
	a2 := find(h1.ID, "a2")
	if err := db.FinishAttempt(ctx, ccaas.Attempt{Delivery: a2.ID, Webhook: h1.ID, Key: "call:a", At: at.Add(6 * time.Second),
		State: ccaas.DeliveryFailed, Error: "given up"}); err != nil {
		t.Fatal(err)
	}
	if d := find(h1.ID, "a2"); d.Attempts != 0 || d.State != ccaas.DeliveryFailed {
		t.Fatalf("a2 given up: %+v", d)
	}
	if got := due(at.Add(6 * time.Second)); got != "a1/b b1/a a3/a" {
		t.Fatalf("due after a2 was given up: %s", got)
	}
	if next, _ := db.NextDue(ctx); !next.Equal(at) {
		t.Fatalf("next due %s", next)
	}
	// pruning keeps what is pending
	if n, err := db.PruneDeliveries(ctx, at.Add(time.Hour)); err != nil || n != 2 {
		t.Fatalf("pruned %d, %v; want a1 and a2 to a", n, err)
	}
	if got := due(at.Add(6 * time.Second)); got != "a1/b b1/a a3/a" {
		t.Fatalf("due after pruning: %s", got)
	}
}

// The sender's queries read through the outbox's partial indexes.
func TestOutboxQueriesUseIndexes(t *testing.T) {
	db := openTest(t)
	for q, index := range map[string]string{
		dueQuery:       "webhook_deliveries_due",
		nextOfKeyQuery: "webhook_deliveries_key",
	} {
		plan := queryPlan(t, db, q, "2026-12-07T10:00:00.000Z", 1, "call:a")
		if !strings.Contains(strings.Join(plan, "\n"), index) {
			t.Errorf("no use of %s:\n%s\nin %s", index, strings.Join(plan, "\n"), q)
		}
		for _, step := range plan {
			if strings.HasPrefix(step, "SCAN ") && !strings.Contains(step, "USING") {
				t.Errorf("a full scan:\n%s\nin %s", strings.Join(plan, "\n"), q)
			}
		}
	}
}

// The reports' recorded calls read through the calls' period index and the
// recordings' key.
func TestCallRecordingsQueryUsesIndexes(t *testing.T) {
	db := openTest(t)
	plan := strings.Join(queryPlan(t, db, callRecordingsQuery, 1, "2026-12-07T00:00:00.000Z", "2026-12-08T00:00:00.000Z", 500), "\n")
	if !strings.Contains(plan, "calls_tenant_arrived") || strings.Contains(plan, "SCAN r") || strings.Contains(plan, "SCAN recordings") {
		t.Fatalf("plan:\n%s", plan)
	}
}
